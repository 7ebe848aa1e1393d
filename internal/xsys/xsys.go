// Package xsys finds the golang.org/x/sys module the main module requires,
// whose per-arch tables the generators of syscall numbers, errno names and
// constants read.
package xsys

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Dir returns the directory of the golang.org/x/sys module the main module
// requires, by running "go list -m" in the current directory.
func Dir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("go list -m golang.org/x/sys: %s", strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("go list -m golang.org/x/sys: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", errors.New("golang.org/x/sys is not in the module cache; run go mod download golang.org/x/sys")
	}
	return dir, nil
}
