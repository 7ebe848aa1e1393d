// Package docs holds the project's documents. It has no Go code of its
// own; its test keeps the citations of docs/kernel-semantics.md honest.
package docs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sheetName is the kernel-facts sheet, in this directory.
const sheetName = "kernel-semantics.md"

var (
	// headingRE finds the sheet's numbered headings: "## 0. Encoding",
	// "### 2.1 bpf_check_classic", "### 10.20 The oracle ...".
	headingRE = regexp.MustCompile(`(?m)^#{2,4} (\d+(?:\.\d+)?)[.\s]`)
	// sectionRE finds a section reference: §3, §2.1, and ranges like §4-5.
	sectionRE = regexp.MustCompile(`§(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?`)
	// citeRE finds an explicit citation of the sheet: its name, then a
	// section, possibly across a line break of a comment and an opening
	// parenthesis ("docs/kernel-semantics.md\n// (§1, §2.1").
	citeRE = regexp.MustCompile(`kernel-semantics(?:\.md)?,?\s*(?://\s*)?\(?§(\d+(?:\.\d+)?)`)
)

// repoRoot is the module root, the parent of this directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(mod, []byte("module github.com/bpfsim/bpfsim\n")) {
		t.Fatalf("%s is not the bpfsim module root (go.mod: %v)", root, err)
	}
	return root
}

// sheetSections returns the section numbers that have a heading in the
// sheet, and fails on a number used twice.
func sheetSections(t *testing.T, text string) map[string]bool {
	t.Helper()
	secs := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(text, -1) {
		if secs[m[1]] {
			t.Errorf("%s: two headings for §%s", sheetName, m[1])
		}
		secs[m[1]] = true
	}
	if len(secs) == 0 {
		t.Fatalf("%s has no numbered headings", sheetName)
	}
	return secs
}

// walkText calls fn for every regular file under root that is text (no
// NUL byte), with its path relative to root. Hidden directories (.git,
// .ci/bin) are skipped.
func walkText(t *testing.T, root string, fn func(rel string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return nil // a binary
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fn(filepath.ToSlash(rel), b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// lineOf is the 1-based line of byte offset off in b.
func lineOf(b []byte, off int) int {
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

// TestCitations checks that every section reference in the repository's Go
// and Markdown files names a section docs/kernel-semantics.md has a heading
// for, and that nothing still points at the sheet's old home outside the
// module. A bare "§N" counts too: in this repository § always means a
// section of docs/kernel-semantics.md.
func TestCitations(t *testing.T) {
	root := repoRoot(t)
	sheet, err := os.ReadFile(filepath.Join(root, "docs", sheetName))
	if err != nil {
		t.Fatal(err)
	}
	secs := sheetSections(t, string(sheet))

	outside := "shared/" + strings.TrimSuffix(sheetName, ".md")
	explicit, refs := 0, 0
	walkText(t, root, func(rel string, b []byte) {
		if i := bytes.Index(b, []byte(outside)); i >= 0 {
			t.Errorf("%s:%d: cites %s, outside the module; cite docs/%s", rel, lineOf(b, i), outside, sheetName)
		}
		if !strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, ".md") {
			return
		}
		for _, m := range citeRE.FindAllSubmatchIndex(b, -1) {
			explicit++
			if sec := string(b[m[2]:m[3]]); !secs[sec] {
				t.Errorf("%s:%d: cites docs/%s §%s, which has no heading for it", rel, lineOf(b, m[0]), sheetName, sec)
			}
		}
		for _, m := range sectionRE.FindAllSubmatchIndex(b, -1) {
			refs++
			for g := 1; g <= 2; g++ {
				if m[2*g] < 0 {
					continue
				}
				if sec := string(b[m[2*g]:m[2*g+1]]); !secs[sec] {
					t.Errorf("%s:%d: §%s: docs/%s has no heading for that section", rel, lineOf(b, m[0]), sec, sheetName)
				}
			}
		}
	})
	// A walk that found nothing would pass vacuously.
	if explicit == 0 || refs == 0 {
		t.Errorf("found %d citations of docs/%s and %d section references under %s; expected some", explicit, sheetName, refs, root)
	}
}

// TestSheetSections pins every section number the sheet has had, so that
// a rewrite cannot drop one unnoticed while no citation of it exists.
func TestSheetSections(t *testing.T) {
	sheet, err := os.ReadFile(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	secs := sheetSections(t, string(sheet))
	want := []string{"0", "1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "6", "7", "8", "8.1", "8.2", "9", "10"}
	for i := 1; i <= 24; i++ { // the traps, 10.1 to 10.24
		want = append(want, "10."+strconv.Itoa(i))
	}
	for _, s := range want {
		if !secs[s] {
			t.Errorf("%s has no heading for §%s", sheetName, s)
		}
	}
}
