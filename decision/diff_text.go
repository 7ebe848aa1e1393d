package decision

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bpfsim/bpfsim/seccompdata"
)

func actionOf(ret uint32) string { return seccompdata.Action(ret).String() }

// WriteText writes the diff for people: whether the policies are
// equivalent, then each change under its arch: the numbers and syscalls,
// the region, the class with both actions, and the witness as an --input
// line with both values.
func (d *Diff) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	old, new := strings.Join(d.Old, ","), strings.Join(d.New, ",")
	if d.Equivalent() {
		fmt.Fprintf(b, "%s and %s are equivalent: every input gets the same value from both\n", old, new)
		return b.Flush()
	}
	fmt.Fprintf(b, "%s -> %s: %s (%d loosened, %d tightened, %d changed)", old, new,
		plural(len(d.Changes), "change"), d.Count(Loosened), d.Count(Tightened), d.Count(Changed))
	if len(d.Undecided) > 0 {
		fmt.Fprintf(b, ", %s undecided (residual rows: no difference found, none ruled out)", plural(len(d.Undecided), "region"))
	}
	b.WriteString("\n")
	write := func(list []Change, undecided bool) {
		arch := ""
		for i := range list {
			c := &list[i]
			if c.Arch != arch {
				arch = c.Arch
				fmt.Fprintf(b, "\n%s\n", arch)
			}
			nr := nrText(c.NrLo)
			if c.NrHi != c.NrLo {
				nr += "-" + nrText(c.NrHi)
			}
			if c.NrLo == 0 && c.NrHi == 0xffffffff {
				nr = "any nr"
			}
			names := strings.Join(c.Syscalls, ", ")
			if c.Unnamed > 0 && len(c.Syscalls) > 0 {
				names += fmt.Sprintf(" (+%d unassigned)", c.Unnamed)
			}
			if len(names) > 60 {
				names = names[:57] + "..."
			}
			fmt.Fprintf(b, "  %-22s %s\n", nr, names)
			region := c.Region
			if region == "" {
				region = "any arguments"
			}
			fmt.Fprintf(b, "    %-10s %s\n", "where", region)
			if undecided {
				fmt.Fprintf(b, "    %-10s %s for the inputs tried\n", "undecided:", actionName(c, c.OldRet))
			} else {
				fmt.Fprintf(b, "    %-10s %s -> %s\n", c.Class.String()+":", actionName(c, c.OldRet), actionName(c, c.NewRet))
			}
			in, _ := witnessJSON(c.Input).Input.MarshalJSON()
			fmt.Fprintf(b, "    %-10s %s  old ret=%#x new ret=%#x\n", "witness", in, c.OldRet, c.NewRet)
		}
	}
	write(d.Changes, false)
	if len(d.Undecided) > 0 {
		b.WriteString("\nundecided:\n")
		write(d.Undecided, true)
	}
	return b.Flush()
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// actionName writes a value as a table does: the action, the errno's name
// on a named arch.
func actionName(c *Change, ret uint32) string {
	s := Section{}
	if c.Input.Arch.Name != "" && len(c.Arches) == 1 && c.Arches[0].Lo == c.Arches[0].Hi {
		s.Audit = c.Input.Data.Arch
	}
	return s.actionText(ret)
}

type jsonDiff struct {
	Old        []string     `json:"old"`
	New        []string     `json:"new"`
	Equivalent bool         `json:"equivalent"`
	Loosened   int          `json:"loosened"`
	Tightened  int          `json:"tightened"`
	Changed    int          `json:"changed"`
	Changes    []jsonChange `json:"changes"`
	Undecided  []jsonChange `json:"undecided"`
}

type jsonChange struct {
	Arch      string          `json:"arch"`
	Arches    [][2]string     `json:"arches"`
	Nr        [2]int32        `json:"nr"`
	Syscalls  []string        `json:"syscalls"`
	Unnamed   uint64          `json:"unnamed"`
	Region    string          `json:"region"`
	Residual  bool            `json:"residual"`
	Class     string          `json:"class,omitempty"`
	Input     json.RawMessage `json:"input"`
	OldRet    uint32          `json:"old_ret"`
	OldAction string          `json:"old_action"`
	OldErrno  string          `json:"old_errno,omitempty"`
	NewRet    uint32          `json:"new_ret"`
	NewAction string          `json:"new_action"`
	NewErrno  string          `json:"new_errno,omitempty"`
}

func changesJSON(list []Change, undecided bool) []jsonChange {
	out := []jsonChange{}
	for i := range list {
		c := &list[i]
		s := Section{}
		if c.Input.Arch.Name != "" && len(c.Arches) == 1 && c.Arches[0].Lo == c.Arches[0].Hi {
			s.Audit = c.Input.Data.Arch
		}
		jc := jsonChange{Arch: c.Arch, Nr: [2]int32{int32(c.NrLo), int32(c.NrHi)}, Syscalls: c.Syscalls, Unnamed: c.Unnamed,
			Region: c.Region, Residual: c.Residual, Input: witnessJSON(c.Input).Input,
			OldRet: c.OldRet, OldAction: actionOf(c.OldRet), OldErrno: s.errnoText(c.OldRet),
			NewRet: c.NewRet, NewAction: actionOf(c.NewRet), NewErrno: s.errnoText(c.NewRet)}
		if !undecided {
			jc.Class = c.Class.String()
		}
		if jc.Syscalls == nil {
			jc.Syscalls = []string{}
		}
		for _, r := range c.Arches {
			jc.Arches = append(jc.Arches, [2]string{hex(r.Lo), hex(r.Hi)})
		}
		out = append(out, jc)
	}
	return out
}

// MarshalJSON writes the diff as one JSON object (README, "Semantic
// diff").
func (d *Diff) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(jsonDiff{Old: d.Old, New: d.New, Equivalent: d.Equivalent(),
		Loosened: d.Count(Loosened), Tightened: d.Count(Tightened), Changed: d.Count(Changed),
		Changes: changesJSON(d.Changes, false), Undecided: changesJSON(d.Undecided, true)})
	return bytes.TrimRight(b.Bytes(), "\n"), err
}

// WriteJSON writes MarshalJSON's object and a newline.
func (d *Diff) WriteJSON(w io.Writer) error {
	b, err := d.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
