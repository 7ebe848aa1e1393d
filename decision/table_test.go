package decision_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/bpfsim/bpfsim/decision"
	"github.com/bpfsim/bpfsim/fuzz"
	"github.com/bpfsim/bpfsim/seccompdata"
	"github.com/bpfsim/bpfsim/vm"
)

// TestWitnesses checks every row of the tables of the bundled real filters
// and the corpus samples by its witness: the vm's plain interpreter, on
// the original filter, returns the row's value for it, and so does the
// table.
func TestWitnesses(t *testing.T) {
	for _, path := range corpusPolicies(t) {
		f := compile(t, load(t, path))
		tb := build(t, vm.Stack{f}, path)
		ws := tb.Witnesses()
		for _, w := range ws {
			if got := vmAnswer(vm.Stack{f}, &w.Data); got != w.Ret {
				t.Errorf("%s: witness %+v on %s: vm %#x, table %#x", filepath.Base(path), w.Data, w.Arch, got, w.Ret)
			}
			if got := tb.Lookup(&w.Data); got != w.Ret {
				t.Errorf("%s: witness %+v: Lookup %#x, witness says %#x", filepath.Base(path), w.Data, got, w.Ret)
			}
		}
		rows := 0
		for _, s := range tb.Sections {
			rows += len(s.Rows)
		}
		t.Logf("%s: %d sections, %d rows, %d witnesses, %d residual rows", filepath.Base(path), len(tb.Sections), rows, len(ws), tb.Residuals)
		if tb.Residuals != 0 {
			t.Errorf("%s: %d rows fell back to residual programs", filepath.Base(path), tb.Residuals)
		}
	}
}

// TestLookupCorpus compares the tables of the corpus with the vm on
// generated inputs biased toward each filter's constants.
func TestLookupCorpus(t *testing.T) {
	g := fuzz.NewGenerator(7)
	for _, path := range corpusPolicies(t) {
		p := load(t, path)
		f := compile(t, p)
		tb := build(t, vm.Stack{f}, path)
		for _, d := range g.Inputs(p, 5000) {
			if got, want := tb.Lookup(&d), vmAnswer(vm.Stack{f}, &d); got != want {
				t.Fatalf("%s: %+v: table %#x, vm %#x", filepath.Base(path), d, got, want)
			}
		}
	}
}

// TestDeterministic: two tables of one policy are byte-identical, in text
// and in JSON; reading the JSON back gives the same JSON and the same
// answers.
func TestDeterministic(t *testing.T) {
	g := fuzz.NewGenerator(8)
	for _, path := range corpusPolicies(t) {
		p := load(t, path)
		var texts, jsons [2]bytes.Buffer
		for i := range 2 {
			tb := build(t, vm.Stack{compile(t, p)}, path)
			if err := tb.WriteText(&texts[i]); err != nil {
				t.Fatal(err)
			}
			if err := tb.WriteJSON(&jsons[i]); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(texts[0].Bytes(), texts[1].Bytes()) || !bytes.Equal(jsons[0].Bytes(), jsons[1].Bytes()) {
			t.Errorf("%s: two builds differ", path)
		}
		back, err := decision.Read(bytes.NewReader(jsons[0].Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var again bytes.Buffer
		if err := back.WriteJSON(&again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), jsons[0].Bytes()) {
			t.Errorf("%s: JSON read back and written again differs", path)
		}
		f := compile(t, p)
		for _, d := range g.Inputs(p, 2000) {
			if got, want := back.Lookup(&d), vmAnswer(vm.Stack{f}, &d); got != want {
				t.Fatalf("%s: %+v: table read back %#x, vm %#x", path, d, got, want)
			}
		}
	}
}

// TestStack: the table of a stack answers with the kernel's precedence.
func TestStack(t *testing.T) {
	paths := []string{"../corpus/samples/dropper.asm", "../corpus/samples/trap-rw.asm", "../corpus/samples/fancy.asm"}
	var stack vm.Stack
	for _, p := range paths {
		stack = append(stack, compile(t, load(t, p)))
	}
	tb := build(t, stack, paths...)
	for _, w := range tb.Witnesses() {
		if got := vmAnswer(stack, &w.Data); got != w.Ret {
			t.Errorf("witness %+v: stack %#x, table %#x", w.Data, got, w.Ret)
		}
	}
	g := fuzz.NewGenerator(9)
	for _, d := range g.Inputs(load(t, paths[2]), 20000) {
		if got, want := tb.Lookup(&d), vmAnswer(stack, &d); got != want {
			t.Fatalf("%+v: table %#x, stack %#x", d, got, want)
		}
	}
	d := seccompdata.Data{Arch: seccompdata.AuditArchX86_64, Nr: 1, Args: [6]uint64{1, 0x402010, 5}}
	if got := tb.Lookup(&d); got != 0x00030001 {
		t.Errorf("write(1, msg1, 5) under the stack: %#x, want TRAP(1) from trap-rw", got)
	}
}
