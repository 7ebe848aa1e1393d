// Package corpus holds no code: it is bpfsim's collection of programs and
// their expected results (samples/, filters/), replayed by this package's
// tests on every run.
//
// Each samples/NAME.expect.json names a program file, whether the kernel
// accepts it, and a list of inputs (in bpfsim's --input JSON form) with the
// return value and action the kernel gives for each.
package corpus
