// Command benchtable turns the output of the side-by-side benchmarks
// ("go test -bench ." in bench/) into a Markdown table: one row per
// filter, input set and implementation, with ns/eval, ns per executed
// instruction, allocations per evaluation and the time relative to
// bpfsim's fast path. Where a benchmark ran more than once (-count), each
// value is the median of its runs.
//
//	cd bench && go test -run '^$' -bench . -benchmem | go run ./cmd/benchtable
//
// Lines it does not read (test failures, panics) go to stderr; it exits 1
// when the input reports a failure or holds no side-by-side result, so a
// pipe into it fails as the benchmarks do.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// key names one benchmark: BenchmarkX/filter/inputs/implementation.
type key struct{ filter, inputs, impl string }

type results struct {
	order  []key
	values map[key]map[string][]float64 // unit -> one value per run
	env    []string                     // goos, goarch, cpu
	notes  []string
}

// baseline is the implementation the "vs" column divides by.
const baseline = "bpfsim"

func run(r io.Reader, w, errw io.Writer) error {
	res, failed, err := parse(r, errw)
	if err != nil {
		return err
	}
	if len(res.order) == 0 {
		return errors.New("no side-by-side benchmark results in the input")
	}
	write(w, res)
	if failed {
		return errors.New("the benchmarks reported a failure")
	}
	return nil
}

func parse(r io.Reader, errw io.Writer) (*results, bool, error) {
	res := &results{values: map[key]map[string][]float64{}}
	failed := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			if !res.add(line) {
				fmt.Fprintln(errw, line)
			}
		case strings.HasPrefix(line, "# "):
			if note := strings.TrimPrefix(line, "# "); !slices.Contains(res.notes, note) {
				res.notes = append(res.notes, note)
			}
		case strings.HasPrefix(line, "goos: "), strings.HasPrefix(line, "goarch: "), strings.HasPrefix(line, "cpu: "):
			if !slices.Contains(res.env, line) {
				res.env = append(res.env, line)
			}
		case strings.HasPrefix(line, "pkg: "), line == "PASS", strings.HasPrefix(line, "ok "):
		default:
			if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:") {
				failed = true
			}
			fmt.Fprintln(errw, line)
		}
	}
	return res, failed, sc.Err()
}

// add records one result line,
//
//	BenchmarkSideBySide/docker/mix/bpfsim-2  700000  171.0 ns/op  126.5 insns/eval ...
//
// and reports whether it was one.
func (res *results) add(line string) bool {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return false
	}
	parts := strings.Split(trimProcs(f[0]), "/")
	if len(parts) != 4 {
		return false
	}
	k := key{parts[1], parts[2], parts[3]}
	m := res.values[k]
	if m == nil {
		m = map[string][]float64{}
		res.values[k] = m
		res.order = append(res.order, k)
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return false
		}
		m[f[i+1]] = append(m[f[i+1]], v)
	}
	return true
}

// trimProcs removes the -GOMAXPROCS suffix the testing package adds to a
// benchmark's name (none when GOMAXPROCS is 1).
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 || strings.Contains(name[i:], "/") {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// median returns the median of vs and whether there is one.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func (res *results) value(k key, units ...string) (float64, bool) {
	for _, u := range units {
		if v, ok := median(res.values[k][u]); ok {
			return v, true
		}
	}
	return 0, false
}

func write(w io.Writer, res *results) {
	runs := 0
	for _, k := range res.order {
		runs = max(runs, len(res.values[k]["ns/op"]))
	}
	var env []string
	for _, e := range res.env {
		env = append(env, strings.TrimSpace(e[strings.IndexByte(e, ':')+1:]))
	}
	fmt.Fprintf(w, "Side by side (%s; median of %d run(s) each):\n\n", strings.Join(env, ", "), runs)
	fmt.Fprintln(w, "| filter | inputs | insns/eval | implementation | ns/eval | ns/insn | allocs/eval | vs bpfsim |")
	fmt.Fprintln(w, "|---|---|--:|---|--:|--:|--:|--:|")
	num := func(v float64, ok bool, format string) string {
		if !ok {
			return "-"
		}
		return fmt.Sprintf(format, v)
	}
	for _, k := range res.order {
		ns, nsOK := res.value(k, "ns/eval", "ns/op")
		insn, insnOK := res.value(k, "ns/insn")
		steps, stepsOK := res.value(k, "insns/eval")
		allocs, allocsOK := res.value(k, "allocs/op")
		rel := "-"
		if base, ok := res.value(key{k.filter, k.inputs, baseline}, "ns/eval", "ns/op"); ok && nsOK && base > 0 {
			rel = fmt.Sprintf("%.2fx", ns/base)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", k.filter, k.inputs,
			num(steps, stepsOK, "%.1f"), k.impl, num(ns, nsOK, "%.1f"), num(insn, insnOK, "%.2f"),
			num(allocs, allocsOK, "%g"), rel)
	}
	if len(res.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range res.notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}
