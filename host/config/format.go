package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns HCL source in canonical form: hclwrite's spacing,
// indentation and aligned "=" signs. Comments are kept.
func Format(src []byte) []byte {
	return hclwrite.Format(src)
}

// FormatFiles formats HCL files for `bbhost fmt`. paths are files or
// directories (a directory stands for its *.hcl files, not recursively,
// skipping names that start with "."). Every file that is not canonical is
// listed in changed and its name written to out, one per line; unless check
// is set it is rewritten in place. A file that does not parse is left alone
// and reported in err, after the other files are done.
func FormatFiles(paths []string, check bool, out io.Writer) (changed []string, err error) {
	files, errs := formatTargets(paths)
	for _, name := range files {
		did, err := formatFile(name, check)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if did {
			changed = append(changed, name)
			if _, err := fmt.Fprintln(out, name); err != nil {
				return changed, fmt.Errorf("fmt: %w", err)
			}
		}
	}
	return changed, errors.Join(errs...)
}

// formatTargets expands paths into files.
func formatTargets(paths []string) ([]string, []error) {
	var files []string
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("fmt: %w", err))
			continue
		}
		if !st.IsDir() {
			if strings.HasSuffix(p, ".json") {
				errs = append(errs, fmt.Errorf("fmt %s: only HCL native syntax is formatted, not JSON", p))
				continue
			}
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("fmt: %w", err))
			continue
		}
		var names []string
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && !strings.HasPrefix(n, ".") && strings.HasSuffix(n, ".hcl") {
				names = append(names, filepath.Join(p, n))
			}
		}
		sort.Strings(names)
		files = append(files, names...)
	}
	return files, errs
}

// formatFile formats one file; did reports that it was not canonical.
func formatFile(name string, check bool) (did bool, err error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return false, fmt.Errorf("fmt: %w", err)
	}
	if _, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos); diags.HasErrors() {
		return false, fmt.Errorf("fmt %s: %w", name, diags)
	}
	formatted := Format(src)
	if bytes.Equal(src, formatted) {
		return false, nil
	}
	if check {
		return true, nil
	}
	if err := replaceFile(name, formatted); err != nil {
		return true, fmt.Errorf("fmt %s: %w", name, err)
	}
	return true, nil
}

// replaceFile writes data to name through a temporary file and a rename,
// keeping the file's permissions.
func replaceFile(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
