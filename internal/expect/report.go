package expect

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bpfsim/bpfsim/internal/input"
)

// Summary counts the results.
func Summary(results []Result) (passed, failed int) {
	for _, r := range results {
		if r.Pass {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// CompactPCs writes pcs with runs of consecutive ones as ranges:
// "0-3 6 7-9" (a run of two is written as two numbers).
func CompactPCs(pcs []int) string {
	var b strings.Builder
	for i := 0; i < len(pcs); {
		j := i
		for j+1 < len(pcs) && pcs[j+1] == pcs[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch {
		case j == i:
			b.WriteString(strconv.Itoa(pcs[i]))
		case j == i+1:
			fmt.Fprintf(&b, "%d %d", pcs[i], pcs[j])
		default:
			fmt.Fprintf(&b, "%d-%d", pcs[i], pcs[j])
		}
		i = j + 1
	}
	return b.String()
}

// Diff is the readable account of a failed case: where it is, its input
// in the --input form, what was expected and what happened, and the path
// the deciding filter took. names are the policies, in install order.
func Diff(file string, r *Result, names []string) string {
	var b strings.Builder
	c := r.Case
	fmt.Fprintf(&b, "%s:%d: %s\n", file, c.Line, c.Name)
	fmt.Fprintf(&b, "  input:    %s\n", c.Call.AppendJSON(nil))
	want := c.Want.Text
	if want == "" {
		want = "(nothing)"
	}
	if c.Outcome != nil {
		o, _ := json.Marshal(c.Outcome)
		want += "  outcome " + string(o)
	}
	fmt.Fprintf(&b, "  expected: %s\n", want)
	got := describe(c.Call.Arch, r.Got.Ret)
	if len(names) > 1 && r.Got.Filter >= 0 {
		got += fmt.Sprintf("  from filter %d (%s)", r.Got.Filter, names[r.Got.Filter])
	}
	if c.Outcome != nil {
		o, _ := json.Marshal(r.Got.Outcome)
		got += "  outcome " + string(o)
	}
	fmt.Fprintf(&b, "  got:      %s\n", got)
	if k := r.Kernel; k != nil && k.Unavailable == "" {
		fmt.Fprintf(&b, "  kernel:   %s\n", describe(c.Call.Arch, k.Ret))
	}
	for _, d := range r.Diffs {
		fmt.Fprintf(&b, "  - %s\n", d)
	}
	for _, p := range r.Path {
		fmt.Fprintf(&b, "  path:     filter %d: pc %s\n", p.Filter, CompactPCs(p.PCs))
	}
	return b.String()
}

// WriteText writes one line per passing case and a diff per failing one,
// then a summary line.
func WriteText(w io.Writer, f *File, names []string, results []Result) error {
	for i := range results {
		r := &results[i]
		if r.Pass {
			kernel := ""
			if r.Kernel != nil && r.Kernel.Unavailable == "" {
				kernel = "  (kernel agrees)"
			} else if r.Kernel != nil {
				kernel = "  (kernel: not evaluated)"
			}
			fmt.Fprintf(w, "ok    %-44s %s%s\n", r.Case.Name, describe(r.Case.Call.Arch, r.Got.Ret), kernel)
			continue
		}
		fmt.Fprintf(w, "FAIL  %s", Diff(f.Name, r, names))
	}
	passed, failed := Summary(results)
	_, err := fmt.Fprintf(w, "%s: %d cases, %d passed, %d failed\n", f.Name, len(results), passed, failed)
	return err
}

// Report is the --json form of a run: one object.
type Report struct {
	File     string       `json:"file"`
	Policies []string     `json:"policies"`
	Cases    []CaseReport `json:"cases"`
	Passed   int          `json:"passed"`
	Failed   int          `json:"failed"`
}

// CaseReport is one case in a Report.
type CaseReport struct {
	Name string `json:"name"`
	Line int    `json:"line"`
	// Input is the call in the --input form.
	Input           input.Call    `json:"input"`
	Expected        string        `json:"expected"`
	ExpectedOutcome *OutcomeWant  `json:"expected_outcome,omitempty"`
	Got             Got           `json:"got"`
	Pass            bool          `json:"pass"`
	Diffs           []string      `json:"diffs,omitempty"`
	Path            []Path        `json:"path,omitempty"`
	Kernel          *KernelAnswer `json:"kernel,omitempty"`
}

// NewReport builds the --json report; a failing case carries its diffs
// and path.
func NewReport(f *File, names []string, results []Result) Report {
	rep := Report{File: f.Name, Policies: names, Cases: make([]CaseReport, len(results))}
	rep.Passed, rep.Failed = Summary(results)
	for i, r := range results {
		cr := CaseReport{Name: r.Case.Name, Line: r.Case.Line, Input: r.Case.Call, Expected: r.Case.Want.Text,
			ExpectedOutcome: r.Case.Outcome, Got: r.Got, Pass: r.Pass, Diffs: r.Diffs, Kernel: r.Kernel}
		if !r.Pass {
			cr.Path = r.Path
		}
		rep.Cases[i] = cr
	}
	return rep
}

// WriteJSON writes the report as one JSON object on one line.
func WriteJSON(w io.Writer, f *File, names []string, results []Result) error {
	b, err := json.Marshal(NewReport(f, names, results))
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Failure   *junitFailure `xml:"failure"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// WriteJUnit writes a JUnit XML report: one testsuite for the file, one
// testcase per case, a failing one with its diff.
func WriteJUnit(w io.Writer, f *File, names []string, results []Result) error {
	passed, failed := Summary(results)
	s := junitSuite{Name: f.Name, Tests: passed + failed, Failures: failed}
	// The class is the policy (the stack), by base name.
	bases := make([]string, len(names))
	for i, n := range names {
		bases[i] = filepath.Base(n)
	}
	class := strings.Join(bases, "+")
	for i := range results {
		r := &results[i]
		jc := junitCase{Name: r.Case.Name, Classname: class, File: f.Name, Line: r.Case.Line}
		if !r.Pass {
			jc.Failure = &junitFailure{Message: strings.Join(r.Diffs, "; "), Type: "expectation", Text: Diff(f.Name, r, names)}
		}
		s.Cases = append(s.Cases, jc)
	}
	doc := junitSuites{Name: "bpfsim --expect", Tests: s.Tests, Failures: failed, Suites: []junitSuite{s}}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
