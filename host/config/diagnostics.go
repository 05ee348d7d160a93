package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// WriteDiagnostics prints diags for a person: each starts with a line
// `file:line,col: Error: summary` (SPEC §3), followed by HCL's source snippet
// and the detail. sources are the parsed files (Config.Sources) the snippets
// come from; color adds terminal colours. File names inside the working
// directory are printed relative to it.
func WriteDiagnostics(w io.Writer, sources map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	var buf bytes.Buffer
	snippets := hcl.NewDiagnosticTextWriter(&buf, withSyntax(sources, diags), 0, color)
	for _, d := range diags {
		if d == nil {
			continue
		}
		buf.Reset()
		if err := snippets.WriteDiagnostic(d); err != nil {
			return fmt.Errorf("render diagnostic %q: %w", d.Summary, err)
		}
		// HCL's writer starts with "Error: summary\n"; replace that line by
		// the same with the position in front.
		body := buf.Bytes()
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		}
		if _, err := io.WriteString(w, diagHeader(d, color)); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
		if _, err := w.Write(body); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

// withSyntax returns sources with the files the diagnostics point into
// parsed again where only their text was kept (large files are parsed in
// pieces, and syntax is released after loading), so each snippet can name
// the block it is in ("in builder "x"").
func withSyntax(sources map[string]*hcl.File, diags hcl.Diagnostics) map[string]*hcl.File {
	var out map[string]*hcl.File
	for _, d := range diags {
		if d == nil || d.Subject == nil {
			continue
		}
		name := d.Subject.Filename
		f := sources[name]
		if f == nil || f.Body != nil || f.Bytes == nil || strings.HasSuffix(name, ".json") || out[name] != nil {
			continue
		}
		if out == nil {
			out = make(map[string]*hcl.File, len(sources))
			for k, v := range sources {
				out[k] = v
			}
		}
		if parsed, pd := hclsyntax.ParseConfig(f.Bytes, name, hcl.InitialPos); !pd.HasErrors() && parsed != nil {
			out[name] = parsed
		} else {
			out[name] = &hcl.File{Bytes: f.Bytes, Body: hcl.EmptyBody()} // unparsable: text only
		}
	}
	if out == nil {
		return sources
	}
	return out
}

// diagHeader is the first line of a printed diagnostic.
func diagHeader(d *hcl.Diagnostic, color bool) string {
	severity, code := "Error", "\x1b[31m"
	if d.Severity == hcl.DiagWarning {
		severity, code = "Warning", "\x1b[33m"
	}
	if color {
		severity = code + severity + "\x1b[0m"
	}
	if d.Subject == nil {
		return fmt.Sprintf("%s: %s\n", severity, d.Summary)
	}
	return fmt.Sprintf("%s:%d,%d: %s: %s\n", displayName(d.Subject.Filename),
		d.Subject.Start.Line, d.Subject.Start.Column, severity, d.Summary)
}

// displayName shortens an absolute file name below the working directory.
func displayName(name string) string {
	if !filepath.IsAbs(name) {
		return name
	}
	wd, err := os.Getwd()
	if err != nil {
		return name
	}
	rel, err := filepath.Rel(wd, name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return name
	}
	return rel
}

// errorDiag builds an error diagnostic about rng.
func errorDiag(summary, detail string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// suggest returns the candidate closest to given, if it is close enough
// (edit distance below 3, HCL's threshold), or "".
func suggest(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean is " Did you mean "x"?" when suggest finds a candidate, else "".
func didYouMean(given string, candidates []string) string {
	if s := suggest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quotedList renders names as `"a", "b" or "c"`.
func quotedList(names []string, conj string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + conj + " " + q[len(q)-1]
}
