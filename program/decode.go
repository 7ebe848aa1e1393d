package program

import (
	"errors"

	"github.com/bpfsim/bpfsim/seccompdata"
)

// Source is a program as decoded from its text or bytes, with what the
// input says besides the instructions.
type Source struct {
	// Program is the program, as Decode returns it.
	Program Program
	// Format is the format it was read in.
	Format Format
	// Arch is the arch whose syscall and errno numbers names were read as
	// (DecodeOptions.Arch), and ArchSource how it was chosen. For formats
	// without names (raw, ddd, comma) it is chosen the same way, from the
	// program's jeq constants, and only reported.
	Arch       seccompdata.Arch
	ArchSource ArchSource
	// Symbolic reports that the text used a name whose number depends on
	// the arch (__NR_*, SYS_*, an errno name), so that Arch mattered.
	Symbolic bool
	// Labels names instructions by the labels of a bpf_asm source: the
	// first label defined on each pc that has one. It is nil for other
	// formats and for asm without labels. InstructionTextLabels uses it.
	Labels map[int]string
	// Lines is the 1-based line on which each instruction of a text input
	// starts; nil for raw input.
	Lines []int
}

// DecodeSource reads a program like Decode and returns it with its format,
// the arch its names were read for, and the labels and lines of its text.
// Errors are as Decode's; on error the Source holds the format tried.
func DecodeSource(data []byte, opt DecodeOptions) (Source, error) {
	src, err := decodeSource(data, opt)
	if err != nil {
		var de *DecodeError
		if opt.Format == FormatAuto && errors.As(err, &de) && src.Format != FormatAuto {
			de.Format, de.Detected = src.Format, true
		} else if de != nil && de.Format == FormatAuto {
			de.Format = src.Format
		}
		return Source{Format: src.Format}, err
	}
	if src.Program == nil {
		src.Program = Program{}
	}
	return src, nil
}

func decodeSource(data []byte, opt DecodeOptions) (Source, error) {
	src := Source{Format: opt.Format}
	if len(data) > MaxInputSize {
		return src, inputError(opt.Name, "input is larger than %d MiB", MaxInputSize>>20)
	}
	if src.Format == FormatAuto {
		src.Format, _ = Detect(data)
	}
	var (
		r   textResult
		err error
	)
	switch src.Format {
	case FormatRaw:
		r.prog, err = decodeRaw(data, opt.BigEndian, opt.Name)
	case FormatAsm, FormatC, FormatDDD, FormatComma:
		var text string
		if text, err = textInput(data, opt.Name); err != nil {
			return src, err
		}
		var n names
		switch src.Format {
		case FormatAsm:
			r, n, err = decodeWithNames(opt, func(s *symbols) (textResult, error) {
				return parseAsm(text, opt.Name, s)
			})
		case FormatC:
			r, n, err = decodeWithNames(opt, func(s *symbols) (textResult, error) {
				return decodeC(text, opt.Name, s)
			})
		case FormatDDD:
			r, err = decodeDDD(text, opt.Name)
		default:
			r, err = decodeComma(text, opt.Name)
		}
		src.Arch, src.ArchSource, src.Symbolic = n.arch, n.source, n.symbolic
	default:
		return src, inputError(opt.Name, "unknown program format %d", int(src.Format))
	}
	if err != nil {
		return src, err
	}
	src.Program, src.Lines, src.Labels = r.prog, r.lines, r.labels
	switch {
	case !isZeroArch(opt.Arch):
		src.Arch, src.ArchSource = opt.Arch, ArchGiven
	case isZeroArch(src.Arch): // a format without names
		src.Arch, src.ArchSource, _, _ = decideArch(r.prog, &symbols{})
	}
	return src, nil
}

func isZeroArch(a seccompdata.Arch) bool { return a.Name == "" && a.Audit == 0 }

// names is what decodeWithNames reports besides the program.
type names struct {
	arch     seccompdata.Arch
	source   ArchSource
	symbolic bool
}

// decodeWithNames runs parse, which reads a text with names, for the arch
// opt gives; without one it first reads the text for x86_64, noting the
// names, then decides the arch from what the filter checks (decideArch)
// and reads the text again when that changes a name's value.
func decodeWithNames(opt DecodeOptions, parse func(*symbols) (textResult, error)) (textResult, names, error) {
	if !isZeroArch(opt.Arch) {
		s := &symbols{arch: opt.Arch}
		r, err := parse(s)
		return r, names{opt.Arch, ArchGiven, len(s.uses) > 0}, err
	}
	x86 := seccompdata.ArchOf(seccompdata.AuditArchX86_64)
	s := &symbols{arch: x86, probe: true}
	r, err := parse(s)
	if err != nil {
		return r, names{}, err
	}
	arch, how, use, err := decideArch(r.prog, s)
	n := names{arch, how, len(s.uses) > 0}
	switch {
	case err != nil:
		return textResult{}, n, lineError(opt.Name, use.line, "%v", err)
	case !n.symbolic || arch.Name == x86.Name && !s.missing:
		return r, n, nil
	}
	r, err = parse(&symbols{arch: arch})
	return r, n, err
}
