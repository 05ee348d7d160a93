package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// kvFlags collects repeated -property k=v flags.
type kvFlags map[string]string

func (k kvFlags) String() string { return fmt.Sprint(map[string]string(k)) }
func (k kvFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	k[name] = value
	return nil
}

func runForce(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("force", flag.ContinueOnError)
	fs.SetOutput(stderr)
	masterURL := fs.String("master", "http://127.0.0.1:8010", "the master's web address")
	builder := fs.String("builder", "", "builder to build (required)")
	scheduler := fs.String("scheduler", "", "force scheduler to use (default: the first one that can build the builder)")
	reason := fs.String("reason", "forced from the command line", "reason for the build")
	owner := fs.String("owner", "", "who asks for the build (the form's username field)")
	branch := fs.String("branch", "", "branch to build")
	revision := fs.String("revision", "", "revision to build")
	props := kvFlags{}
	fs.Var(props, "property", "build property NAME=VALUE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *builder == "" {
		fmt.Fprintln(stderr, "bbhost force: -builder is required")
		return 2
	}
	base := strings.TrimRight(*masterURL, "/") + "/api/v2"
	client := &http.Client{Timeout: 30 * time.Second}
	name := *scheduler
	if name == "" {
		var err error
		if name, err = findForceScheduler(client, base, *builder); err != nil {
			fmt.Fprintln(stderr, "bbhost force:", err)
			return 1
		}
	}
	params := map[string]any{"builderNames": []string{*builder}, "reason": *reason}
	if *owner != "" {
		params["username"] = *owner
	}
	if *branch != "" {
		params["branch"] = *branch
	}
	if *revision != "" {
		params["revision"] = *revision
	}
	if len(props) > 0 {
		params["properties"] = map[string]string(props)
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "force", "id": 1, "params": params})
	resp, err := client.Post(base+"/forceschedulers/"+url.PathEscape(name), "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(stderr, "bbhost force:", err)
		return 1
	}
	defer resp.Body.Close()
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int             `json:"code"`
			Message json.RawMessage `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		fmt.Fprintf(stderr, "bbhost force: %s: %s\n", resp.Status, strings.TrimSpace(string(raw)))
		return 1
	}
	if out.Error != nil {
		fmt.Fprintf(stderr, "bbhost force: %s\n", strings.Trim(string(out.Error.Message), `"`))
		return 1
	}
	var result []json.RawMessage
	if json.Unmarshal(out.Result, &result) == nil && len(result) == 2 {
		fmt.Fprintf(stdout, "buildset %s submitted: build requests %s\n", result[0], result[1])
	} else {
		fmt.Fprintf(stdout, "submitted: %s\n", out.Result)
	}
	return 0
}

// findForceScheduler asks the master which force scheduler can build builder.
func findForceScheduler(client *http.Client, base, builder string) (string, error) {
	resp, err := client.Get(base + "/forceschedulers")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /forceschedulers: %s", resp.Status)
	}
	var list struct {
		ForceSchedulers []struct {
			Name         string   `json:"name"`
			BuilderNames []string `json:"builder_names"`
		} `json:"forceschedulers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return "", fmt.Errorf("GET /forceschedulers: %w", err)
	}
	for _, fs := range list.ForceSchedulers {
		if slices.Contains(fs.BuilderNames, builder) {
			return fs.Name, nil
		}
	}
	return "", fmt.Errorf("no force scheduler can build %q", builder)
}
