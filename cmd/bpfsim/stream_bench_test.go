package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkStream measures --json --input end to end on Docker's filter:
// parsing, evaluation and JSON output of a batch.
func BenchmarkStream(b *testing.B) {
	calls := []string{"read", "write", "futex", "close", "openat", "mmap", "epoll_wait", "fstat", "recvmsg", "sendmsg", "clone", "ptrace"}
	var in strings.Builder
	const n = 20000
	for i := range n {
		fmt.Fprintf(&in, "{\"arch\": \"x86_64\", \"nr\": %q, \"args\": [%d, %d]}\n", calls[i%len(calls)], i*7919, i%16)
	}
	text := in.String()
	b.ResetTimer()
	for b.Loop() {
		code := run([]string{"../../corpus/filters/docker-default_x86_64.bpf", "--input", "-", "--json"}, strings.NewReader(text), io.Discard, &bytes.Buffer{}, nil)
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
}

// TestStreamAnswersAsInputArrives: a batch from a pipe is answered line
// by line as the lines come, not at the end of the input.
func TestStreamAnswersAsInputArrives(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run([]string{dropper, "--input", "-", "--json"}, inR, outW, io.Discard, nil)
		outW.Close()
	}()
	answers := bufio.NewReader(outR)
	for _, call := range []string{"getppid", "getpid", "getppid"} {
		fmt.Fprintf(inW, "{\"nr\": %q}\n", call)
		line, err := answers.ReadString('\n')
		if err != nil || !strings.Contains(line, `"syscall":"`+call+`"`) {
			t.Fatalf("after %s: %q, %v", call, line, err)
		}
	}
	inW.Close()
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
}
