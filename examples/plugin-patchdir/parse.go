package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/bbhost/bbhost/sdk/base"
)

// maxFileSize bounds a change file or a patch.
const maxFileSize = 16 << 20

// changeFile is the JSON form of a change file: Buildbot's addChange
// arguments.
type changeFile struct {
	Author        string         `json:"author"`
	Committer     *string        `json:"committer"`
	Comments      string         `json:"comments"`
	Revision      *string        `json:"revision"`
	Branch        *string        `json:"branch"`
	Repository    string         `json:"repository"`
	Project       string         `json:"project"`
	Codebase      string         `json:"codebase"`
	Category      *string        `json:"category"`
	Revlink       *string        `json:"revlink"`
	Files         []string       `json:"files"`
	Properties    map[string]any `json:"properties"`
	WhenTimestamp int64          `json:"when_timestamp"`
	Src           string         `json:"src"`
}

// ParseChangeJSON parses a *.json change file.
func ParseChangeJSON(data []byte) (base.Change, error) {
	var f changeFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return base.Change{}, fmt.Errorf("not a change file: %w", err)
	}
	if dec.More() {
		return base.Change{}, fmt.Errorf("not a change file: more than one JSON value")
	}
	if strings.TrimSpace(f.Author) == "" {
		return base.Change{}, fmt.Errorf("change file without an author")
	}
	if f.WhenTimestamp < 0 {
		return base.Change{}, fmt.Errorf("negative when_timestamp")
	}
	return base.Change{Author: f.Author, Committer: f.Committer, Comments: f.Comments, Revision: f.Revision, Branch: f.Branch,
		Repository: f.Repository, Project: f.Project, Codebase: f.Codebase, Category: f.Category, Revlink: f.Revlink,
		Files: f.Files, Properties: f.Properties, WhenTimestamp: f.WhenTimestamp, Src: f.Src}, nil
}

var (
	fromLineRe = regexp.MustCompile(`^From ([0-9a-f]{7,64}) `)
	subjectRe  = regexp.MustCompile(`^\[PATCH[^\]]*\]\s*`)
)

// ParsePatch parses a patch: `git format-patch` output (author, date,
// subject, message and revision from its headers) or a bare unified diff.
// The changed files come from the diff headers.
func ParsePatch(data []byte) (base.Change, error) {
	var ch base.Change
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxFileSize)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return ch, fmt.Errorf("read patch: %w", err)
	}
	i := 0
	if len(lines) > 0 {
		if m := fromLineRe.FindStringSubmatch(lines[0]); m != nil {
			rev := m[1]
			ch.Revision = &rev
			i = 1
		}
	}
	// Mail headers, when present.
	var subject string
	if i < len(lines) && strings.Contains(lines[i], ":") && !strings.HasPrefix(lines[i], "diff ") && !strings.HasPrefix(lines[i], "--- ") {
		end := i
		for end < len(lines) && lines[end] != "" {
			end++
		}
		msg, err := mail.ReadMessage(strings.NewReader(strings.Join(lines[i:end], "\n") + "\n\n"))
		if err == nil {
			if from := msg.Header.Get("From"); from != "" {
				if a, err := mail.ParseAddress(from); err == nil {
					ch.Author = strings.TrimSpace(a.Name + " <" + a.Address + ">")
				} else {
					ch.Author = from
				}
			}
			if t, err := msg.Header.Date(); err == nil {
				ch.WhenTimestamp = t.Unix()
			}
			subject = subjectRe.ReplaceAllString(msg.Header.Get("Subject"), "")
			i = end
		}
	}
	var body []string
	for ; i < len(lines); i++ {
		l := lines[i]
		if l == "---" || strings.HasPrefix(l, "diff --git ") || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "Index: ") {
			break
		}
		body = append(body, l)
	}
	ch.Comments = strings.TrimSpace(subject + "\n\n" + strings.TrimSpace(strings.Join(body, "\n")))
	seen := map[string]bool{}
	for ; i < len(lines); i++ {
		l := lines[i]
		var file string
		switch {
		case strings.HasPrefix(l, "+++ "):
			file = strings.TrimPrefix(l, "+++ ")
			if t := strings.IndexByte(file, '\t'); t >= 0 {
				file = file[:t]
			}
			if file == "/dev/null" {
				continue
			}
			file = strings.TrimPrefix(file, "b/")
		case strings.HasPrefix(l, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ /dev/null"):
			file = strings.TrimPrefix(strings.TrimPrefix(l, "--- "), "a/")
			if t := strings.IndexByte(file, '\t'); t >= 0 {
				file = file[:t]
			}
		default:
			continue
		}
		if file != "" && !seen[file] {
			seen[file] = true
			ch.Files = append(ch.Files, file)
		}
	}
	if len(ch.Files) == 0 {
		return ch, fmt.Errorf("no diff found in the patch")
	}
	return ch, nil
}
