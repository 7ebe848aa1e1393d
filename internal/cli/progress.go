package cli

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress shows how far a long run has got, on a terminal only: a bar on
// stderr when it is one, nothing otherwise (CI logs, pipes, files).
type Progress struct {
	bar *progressbar.ProgressBar
}

// NewProgress returns a Progress for a run of total steps (bytes when
// bytes is set), described by what; total -1 is unknown. It shows nothing
// unless w is a terminal.
func NewProgress(w io.Writer, total int64, what string, bytes bool) *Progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &Progress{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100e6), // 100 ms
		progressbar.OptionShowCount(),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	}
	return &Progress{bar: progressbar.NewOptions64(total, opts...)}
}

// Add records n more steps done.
func (p *Progress) Add(n int) {
	if p.bar != nil {
		p.bar.Add(n)
	}
}

// Done clears the bar.
func (p *Progress) Done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// Reader counts what r reads as progress.
func (p *Progress) Reader(r io.Reader) io.Reader {
	if p.bar == nil {
		return r
	}
	return io.TeeReader(r, writerFunc(func(b []byte) (int, error) { p.Add(len(b)); return len(b), nil }))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
