package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
)

// parallelParseMin is the size from which an HCL file is parsed in parts on
// several cores. Smaller files parse in a few milliseconds anyway.
const parallelParseMin = 256 << 10

// parsedFile is one configuration file: its text (with the syntax tree of the
// whole file when it was parsed in one piece) for diagnostics, and the bodies
// to decode.
type parsedFile struct {
	file  *hcl.File
	parts []*hcl.File
}

// parseFile parses one configuration file. A large HCL file is cut at
// top-level block boundaries and the parts are parsed concurrently, each
// starting at its true position so every range stays right. A cut can only
// be proven right after the fact: if any part fails to parse (a cut inside a
// heredoc, a comment or a block leaves that part unterminated), the whole
// file is parsed again in one piece, so the diagnostics are exactly those of
// a plain parse.
func parseFile(name string) (*parsedFile, hcl.Diagnostics) {
	src, diags := readFile(name)
	if diags.HasErrors() {
		return nil, diags
	}
	return parseSource(name, src)
}

// readFile reads a configuration file.
func readFile(name string) ([]byte, hcl.Diagnostics) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read file",
			Detail: fmt.Sprintf("The configuration file %q could not be read: %s.", name, err)}}
	}
	return src, nil
}

// parseSource parses the text of the configuration file name.
func parseSource(name string, src []byte) (*parsedFile, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		f, diags := hcljson.Parse(src, name)
		if f == nil {
			f = &hcl.File{Bytes: src}
		}
		return &parsedFile{file: f, parts: []*hcl.File{f}}, diags
	}
	if n := runtime.GOMAXPROCS(0); n > 1 && len(src) >= parallelParseMin {
		if parts := parseParts(src, name, cutPoints(src, n)); parts != nil {
			return &parsedFile{file: &hcl.File{Bytes: src}, parts: parts}, nil
		}
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if f == nil {
		f = &hcl.File{Bytes: src}
	}
	return &parsedFile{file: f, parts: []*hcl.File{f}}, diags
}

// parseParts parses src cut at the given byte offsets, concurrently; nil
// when a part has any diagnostic.
func parseParts(src []byte, name string, cuts []int) []*hcl.File {
	if len(cuts) == 0 {
		return nil
	}
	bounds := append(append([]int{0}, cuts...), len(src))
	parts := make([]*hcl.File, len(bounds)-1)
	failed := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i := range parts {
		start := posAt(src, bounds[i])
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f, diags := hclsyntax.ParseConfig(src[bounds[i]:bounds[i+1]], name, start)
			parts[i], failed[i] = f, len(diags) > 0 || f == nil
		}(i)
	}
	wg.Wait()
	for _, bad := range failed {
		if bad {
			return nil
		}
	}
	return parts
}

// cutPoints returns up to n-1 offsets that split src into parts of similar
// size, each at the start of a line that opens a top-level block right after
// a line holding only the closing brace of the previous one (the layout
// `bbhost fmt` writes). Whether a cut really is at the top level is decided
// by parseParts.
func cutPoints(src []byte, n int) []int {
	var cuts []int
	for k := 1; k < n; k++ {
		target := len(src) * k / n
		if len(cuts) > 0 && target <= cuts[len(cuts)-1] {
			continue
		}
		if c := nextBlockStart(src, target); c > 0 && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
			cuts = append(cuts, c)
		}
	}
	return cuts
}

// nextBlockStart finds, from offset from, the first line that starts with a
// letter and follows a line that is exactly "}"; -1 when there is none.
func nextBlockStart(src []byte, from int) int {
	for i := from; i < len(src); {
		nl := bytes.IndexByte(src[i:], '\n')
		if nl < 0 {
			return -1
		}
		line := bytes.TrimRight(src[i:i+nl], "\r")
		next := i + nl + 1
		if string(line) == "}" && next < len(src) && isLetter(src[next]) {
			return next
		}
		i = next
	}
	return -1
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// posAt is the position of byte offset off in src: off is always the start
// of a line, so the column is 1.
func posAt(src []byte, off int) hcl.Pos {
	return hcl.Pos{Line: 1 + bytes.Count(src[:off], []byte{'\n'}), Column: 1, Byte: off}
}
