package input

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bpfsim/bpfsim/seccompdata"
)

func arch(t *testing.T, name string) seccompdata.Arch {
	t.Helper()
	a, err := seccompdata.LookupArch(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRoundTrip: every call MarshalJSON writes is read back unchanged by
// Parse, whatever its 32-bit arch number.
func TestRoundTrip(t *testing.T) {
	x86 := arch(t, "x86_64")
	calls := []Call{
		New(x86, 257),
		New(x86, -1),
		New(arch(t, "x32"), 0x40000000|39),
		New(arch(t, "i386"), 20),
		New(arch(t, "s390x"), 1),
		New(seccompdata.ArchOf(0x12345678), 7),
		New(seccompdata.ArchOf(0), 0),
		New(seccompdata.ArchOf(0xffffffff), -0x80000000),
	}
	full := New(x86, 59)
	full.Data.Args = [6]uint64{0, 1, 0xffffffffffffffff, 0x8000000000000000, 0xffffff9c, 6}
	full.Data.InstructionPointer = 0x7fffffffe000
	calls = append(calls, full)
	for _, c := range calls {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b, x86)
		if err != nil {
			t.Errorf("Parse(%s): %v", b, err)
			continue
		}
		if got.Data != c.Data || got.Arch.Name != c.Arch.Name || got.Arch.Audit != c.Arch.Audit {
			t.Errorf("%s read back as %+v, want %+v", b, got, c)
		}
		var u Call
		if err := json.Unmarshal(b, &u); err != nil || u.Data != c.Data {
			t.Errorf("UnmarshalJSON(%s) = %+v, %v", b, u.Data, err)
		}
	}
}

// TestArchOfFlags: an arch bpfsim has no table for takes its byte order
// and width from the AUDIT_ARCH flags (include/uapi/linux/audit.h):
// AUDIT_ARCH_SPARC64 is 0x8000002b, 64-bit big-endian; AUDIT_ARCH_CSKY
// 0x400000fc, 32-bit little-endian.
func TestArchOfFlags(t *testing.T) {
	sparc := seccompdata.ArchOf(0x8000002b)
	if sparc.Bits != 64 || sparc.Order.String() != "BigEndian" || sparc.Name != "" {
		t.Errorf("sparc64: %+v", sparc)
	}
	csky := seccompdata.ArchOf(0x400000fc)
	if csky.Bits != 32 || csky.Order.String() != "LittleEndian" {
		t.Errorf("csky: %+v", csky)
	}
}

func TestParseErrors(t *testing.T) {
	x86 := arch(t, "x86_64")
	for _, tt := range []struct{ in, want string }{
		{`[1]`, "not a JSON object"},
		{`{"nr": "openatx"}`, `nr: unknown syscall "openatx" on x86_64`},
		{`{"nr": 4294967296}`, "does not fit in 32 bits"},
		{`{"args": [1,2,3,4,5,6,7]}`, "7 values, at most 6"},
		{`{"args": ["-x"]}`, `"-x" is not a number`},
		{`{"args": ["O_RDONLY|"]}`, "empty term"},
		{`{"args": ["AT_FDCWDX"]}`, `"AT_FDCWDX" is not a number or a constant bpfsim knows on x86_64`},
		{`{"arch": "arm", "nr": 1, "args": [-2147483649]}`, "does not fit in 32 bits"},
		{`{"ip": 18446744073709551616}`, "does not fit in 64 bits"},
		{`{"arch": "sparc"}`, `unknown arch "sparc"`},
		{`{"arch": 4294967296}`, `unknown arch "4294967296"`},
		{`{"nr": 1, "extra": 2}`, "extra: unknown field"},
		{`{"arch": "x86_64"}`, "no nr"},
		{`{"nr": 1} {"nr": 2}`, "more than one JSON value"},
		{`{"nr": 1},`, "more than one JSON value"},
		{`{"nr": "opneat"}`, `unknown syscall "opneat" on x86_64 (did you mean openat?)`},
		{`{"nr": "getpppid"}`, `(did you mean getppid?)`},
		{`{"nr": "read", "arch": 1234}`, `unknown syscall "read" on arch 0x4d2`},
	} {
		_, err := Parse([]byte(tt.in), x86)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestRead(t *testing.T) {
	x86 := arch(t, "x86_64")
	calls, err := Read(strings.NewReader("# comment\n\n{\"nr\": \"read\"}\n{\"arch\": \"i386\", \"nr\": 3}\n"), "b.jsonl", x86)
	if err != nil || len(calls) != 2 || calls[0].Data.Nr != 0 || calls[1].Data.Arch != 0x40000003 {
		t.Fatalf("Read = %+v, %v", calls, err)
	}
	_, err = Read(strings.NewReader("{\"nr\": 1}\n\n{\"nr\": x}\n"), "b.jsonl", x86)
	if err == nil || !strings.HasPrefix(err.Error(), "b.jsonl:3: ") {
		t.Errorf("error %v, want one naming b.jsonl:3", err)
	}
}

// TestCheck32Bit: a 32-bit arch's registers cannot carry a 64-bit value
// (populate_seccomp_data zero-extends them); x32, and i386 on x86_64 (a
// 64-bit process's int $0x80, live: kernel.TestIA32WholeRegisters), pass
// 64-bit registers.
func TestCheck32Bit(t *testing.T) {
	x86 := arch(t, "x86_64")
	for _, tt := range []struct {
		in, err string
	}{
		{`{"arch": "i386", "nr": 1, "args": ["0x1122334455667788"], "ip": "0x7fffffffe000"}`, ""},
		{`{"arch": "arm", "nr": 1, "args": [0, 4294967296]}`, "args[1]: 0x100000000 does not fit in 32 bits"},
		{`{"arch": "mips", "nr": 4001, "ip": "0x100000000"}`, "ip: 0x100000000 does not fit in 32 bits"},
		{`{"arch": 1073741948, "nr": 1, "args": ["0xffffffffff"]}`, "args[0]: 0xffffffffff does not fit in 32 bits"},
		{`{"arch": "i386", "nr": 1, "args": [4294967295], "ip": "0xffffffff"}`, ""},
		{`{"arch": "x32", "nr": 1, "args": ["0x1122334455667788"]}`, ""},
		{`{"arch": "x86_64", "nr": 1, "args": ["0x1122334455667788"], "ip": "0xffffffffffffffff"}`, ""},
	} {
		c, err := Parse([]byte(tt.in), x86)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tt.in, err)
		}
		err = c.Check()
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("Parse(%s): %v", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Parse(%s) = %v, want an error containing %q", tt.in, err, tt.err)
		}
	}
}

// FuzzParseFast: whatever the one-pass reader accepts, encoding/json reads
// the same way.
func FuzzParseFast(f *testing.F) {
	for _, s := range []string{
		`{"arch": "x86_64", "nr": 257, "args": [4294967196, "0x7ffc1000", 0], "ip": 4198400}`,
		`{"nr": "read"}`, `{"arch": "i386", "nr": -1}`, `{"nr":0,"args":[]}`, ` {"nr": 1} `,
		`{"arch": 3221225534, "nr": "0x4000006e", "args": ["0xffffffffffffffff"]}`,
		`{"nr": "openat", "args": ["AT_FDCWD", 0, "O_RDONLY|O_CLOEXEC"], "ip": -1}`,
	} {
		f.Add(s)
	}
	x86, _ := seccompdata.LookupArch("x86_64")
	f.Fuzz(func(t *testing.T, line string) {
		fast, ok := parseFast([]byte(line), x86)
		if !ok {
			return
		}
		slow, err := parseJSON([]byte(line), x86)
		if err != nil || slow.Data != fast.Data || slow.Arch.Name != fast.Arch.Name || slow.Arch.Audit != fast.Arch.Audit {
			t.Fatalf("%q: fast %+v, encoding/json %+v, %v", line, fast, slow, err)
		}
	})
}

// Negative values are what a C int holds, as the kernel sees it: sign-
// extended where registers are 64 bits wide, 32 bits where they are 32.
func TestParseValue(t *testing.T) {
	for _, tt := range []struct {
		arch, in string
		want     uint64
	}{
		{"x86_64", "-100", 0xffffffffffffff9c},
		{"x86_64", "AT_FDCWD", 0xffffffffffffff9c},
		{"x32", "AT_FDCWD", 0xffffffffffffff9c},
		{"aarch64", "-1", 0xffffffffffffffff},
		{"i386", "-100", 0xffffff9c},
		{"i386", "AT_FDCWD", 0xffffff9c},
		{"arm", "-100", 0xffffff9c},
		{"mips", "-2147483648", 0x80000000},
		{"x86_64", "CLONE_NEWUSER|CLONE_NEWNS", 0x10020000},
		{"x86_64", " O_WRONLY | O_CREAT | 0x8000 ", 0x8041},
		{"mips", "O_WRONLY|O_CREAT", 0x101},
		{"x86_64", "O_RDONLY", 0},
		{"x86_64", "0x7fff", 0x7fff},
		{"x86_64", "18446744073709551615", 0xffffffffffffffff},
		{"x86_64", "+5", 5},
	} {
		got, err := ParseValue(tt.in, arch(t, tt.arch))
		if err != nil || got != tt.want {
			t.Errorf("ParseValue(%q, %s) = %#x, %v; want %#x", tt.in, tt.arch, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "|", "0x", "FOO", "-9223372036854775809", "O_RDONLY||O_CREAT"} {
		if v, err := ParseValue(in, arch(t, "x86_64")); err == nil {
			t.Errorf("ParseValue(%q) = %#x, want an error", in, v)
		}
	}
	if _, err := ParseValue("O_RDONLY", seccompdata.ArchOf(0x1234)); err == nil || !strings.Contains(err.Error(), "no constants are known") {
		t.Errorf("an arch without tables: %v", err)
	}
}

func TestParseSymbolic(t *testing.T) {
	c, err := Parse([]byte(`{"arch": "arm", "nr": "openat", "args": ["AT_FDCWD", 0, "O_RDONLY|O_CLOEXEC", -1], "ip": "0x1000"}`), arch(t, "x86_64"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.Args[0] != 0xffffff9c || c.Data.Args[2] != 0x80000 || c.Data.Args[3] != 0xffffffff {
		t.Errorf("args %#x", c.Data.Args)
	}
	if err := c.Check(); err != nil {
		t.Error(err)
	}
}
