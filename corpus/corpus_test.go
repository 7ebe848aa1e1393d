package corpus_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bpfsim/bpfsim/program"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/verifier"
	"github.com/bpfsim/bpfsim/vm"
)

// expectation is the schema of samples/*.expect.json.
type expectation struct {
	Program  string `json:"program"`
	Mode     string `json:"mode"`
	Accepted bool   `json:"accepted"`
	Source   string `json:"source"`
	Cases    []struct {
		Why    string          `json:"why"`
		Input  json.RawMessage `json:"input"`
		Ret    string          `json:"ret"`
		Action string          `json:"action"`
	} `json:"cases"`
}

// entry is one corpus program with its expectations.
type entry struct {
	name string
	prog program.Program
	exp  expectation
}

func loadEntries(t *testing.T) []entry {
	t.Helper()
	files, err := filepath.Glob("samples/*.expect.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no expectation files in samples/ (%v)", err)
	}
	var out []entry
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e entry
		e.name = f
		if err := json.Unmarshal(b, &e.exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if e.exp.Source == "" || len(e.exp.Cases) == 0 {
			t.Fatalf("%s: an expectation needs a source and cases", f)
		}
		e.prog, _, err = program.ReadFile(filepath.Join("samples", e.exp.Program), program.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, e)
	}
	return out
}

func TestReplay(t *testing.T) {
	x86, err := seccompdata.LookupArch("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range loadEntries(t) {
		t.Run(e.exp.Program, func(t *testing.T) {
			err := verifier.Check(e.prog, verifier.Seccomp)
			if (err == nil) != e.exp.Accepted {
				t.Fatalf("verifier: %v, want accepted=%v", err, e.exp.Accepted)
			}
			if err != nil {
				return
			}
			f, err := vm.Compile(e.prog, verifier.Seccomp)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range e.exp.Cases {
				in, err := seccompdata.ParseInput(c.Input, x86)
				if err != nil {
					t.Fatalf("%s: input %s: %v", c.Why, c.Input, err)
				}
				want, err := strconv.ParseUint(c.Ret, 0, 32)
				if err != nil {
					t.Fatalf("%s: ret %q: %v", c.Why, c.Ret, err)
				}
				w := in.Data.Words(in.Arch.Order)
				got := f.RunSeccomp(&w)
				if got != uint32(want) {
					t.Errorf("%s: ret 0x%08x, want 0x%08x", c.Why, got, want)
				}
				if a := seccompdata.Action(got).String(); a != c.Action {
					t.Errorf("%s: action %s, want %s", c.Why, a, c.Action)
				}
			}
		})
	}
}

// TestRoundTrip writes every corpus program in every format and reads it
// back: the program must come back identical.
func TestRoundTrip(t *testing.T) {
	progs := map[string]program.Program{}
	for _, e := range loadEntries(t) {
		progs[e.exp.Program] = e.prog
	}
	raws, _ := filepath.Glob("filters/*.bpf")
	for _, f := range raws {
		p, _, err := program.ReadFile(f, program.DecodeOptions{Format: program.FormatRaw})
		if err != nil {
			t.Fatal(err)
		}
		progs[f] = p
	}
	formats := []program.Format{program.FormatRaw, program.FormatAsm, program.FormatC, program.FormatDDD, program.FormatComma}
	for name, p := range progs {
		for _, f := range formats {
			for _, big := range []bool{false, true} {
				if big && f != program.FormatRaw {
					continue
				}
				b, err := program.Encode(p, f, big)
				if err != nil {
					t.Fatalf("%s as %v: %v", name, f, err)
				}
				back, got, err := program.Decode(b, program.DecodeOptions{BigEndian: big})
				if err != nil {
					t.Fatalf("%s as %v: decode: %v", name, f, err)
				}
				if got != f {
					t.Errorf("%s as %v: detected as %v", name, f, got)
				}
				if len(back) != len(p) {
					t.Fatalf("%s as %v: %d instructions back, want %d", name, f, len(back), len(p))
				}
				for i := range p {
					if back[i] != p[i] {
						t.Fatalf("%s as %v: pc %d: %+v, want %+v", name, f, i, back[i], p[i])
					}
				}
			}
		}
	}
}
