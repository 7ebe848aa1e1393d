package program

import "errors"

// Source is a program as decoded from its text or bytes, with what the
// input says besides the instructions.
type Source struct {
	// Program is the program, as Decode returns it.
	Program Program
	// Format is the format it was read in.
	Format Format
	// Labels names instructions by the labels of a bpf_asm source: the
	// first label defined on each pc that has one. It is nil for other
	// formats and for asm without labels. InstructionTextLabels uses it.
	Labels map[int]string
	// Lines is the 1-based line on which each instruction of a text input
	// starts; nil for raw input.
	Lines []int
}

// DecodeSource reads a program like Decode and returns it with its format
// and the labels and lines of its text.
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
		switch src.Format {
		case FormatAsm:
			r, err = parseAsm(text, opt.Name)
		case FormatC:
			r, err = decodeC(text, opt.Name)
		case FormatDDD:
			r, err = decodeDDD(text, opt.Name)
		default:
			r, err = decodeComma(text, opt.Name)
		}
	default:
		return src, inputError(opt.Name, "unknown program format %d", int(src.Format))
	}
	if err != nil {
		return src, err
	}
	src.Program, src.Lines, src.Labels = r.prog, r.lines, r.labels
	return src, nil
}
