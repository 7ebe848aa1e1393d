package guest

import (
	"debug/elf"
	"fmt"
)

// checkStatic reports why path cannot be the init of a guest that has no
// libraries: it must be an x86_64 ELF executable with no interpreter and
// no shared libraries (a Go binary built with CGO_ENABLED=0); otherwise
// its error wraps ErrNotStatic.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("guest init %s: %w", path, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 || f.Class != elf.ELFCLASS64 {
		return fmt.Errorf("guest init %s is %v %v, not x86_64", path, f.Class, f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("guest init %s is dynamically linked: %w", path, ErrNotStatic)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		return fmt.Errorf("guest init %s needs shared libraries %v: %w", path, libs, ErrNotStatic)
	}
	return nil
}
