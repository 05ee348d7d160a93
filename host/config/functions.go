package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// maxFileSize bounds what file() reads, so a stray path cannot exhaust memory.
const maxFileSize = 16 << 20

// Functions returns the functions configuration expressions may call:
//
//   - env("NAME") is the environment variable NAME, or "" when it is unset;
//     env("NAME", "default") gives "default" when it is unset.
//   - file("path") is the content of a UTF-8 file; a relative path is
//     relative to dir, the configuration directory.
//   - try(...) and can(expr) from HCL's tryfunc extension.
//   - coalesce returns its first argument that is neither null nor an empty
//     string, as Terraform's does, so coalesce(env("X"), "default") works.
//   - abspath(path): an absolute path, a relative one taken from the
//     configuration directory.
//   - go-cty's standard library under Terraform's names: upper, lower,
//     title, strrev, substr, join, split, sort, chomp, indent, trim,
//     trimspace, trimprefix, trimsuffix, replace, regex, regexall,
//     regex_replace, format, formatlist, formatdate, timeadd, concat, range,
//     length, element, index, coalesce, coalescelist, compact, contains,
//     distinct, chunklist, flatten, keys, lookup, merge, reverse, slice,
//     values, zipmap, setproduct, setunion, setintersection, setsubtract,
//     setsymmetricdifference, abs, ceil, floor, log, pow, signum, parseint,
//     min, max, jsonencode, jsondecode, csvdecode, tostring, tonumber,
//     tobool, tolist, toset, tomap.
//
// lookupEnv reads the environment (os.LookupEnv when nil).
func Functions(dir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	return map[string]function.Function{
		"env":     envFunc(lookupEnv),
		"file":    fileFunc(dir),
		"abspath": abspathFunc(dir),
		"try":     tryfunc.TryFunc,
		"can":     tryfunc.CanFunc,

		"upper":         stdlib.UpperFunc,
		"lower":         stdlib.LowerFunc,
		"title":         stdlib.TitleFunc,
		"strrev":        stdlib.ReverseFunc,
		"substr":        stdlib.SubstrFunc,
		"join":          stdlib.JoinFunc,
		"split":         stdlib.SplitFunc,
		"sort":          stdlib.SortFunc,
		"chomp":         stdlib.ChompFunc,
		"indent":        stdlib.IndentFunc,
		"trim":          stdlib.TrimFunc,
		"trimspace":     stdlib.TrimSpaceFunc,
		"trimprefix":    stdlib.TrimPrefixFunc,
		"trimsuffix":    stdlib.TrimSuffixFunc,
		"replace":       stdlib.ReplaceFunc,
		"regex":         stdlib.RegexFunc,
		"regexall":      stdlib.RegexAllFunc,
		"regex_replace": stdlib.RegexReplaceFunc,
		"format":        stdlib.FormatFunc,
		"formatlist":    stdlib.FormatListFunc,
		"formatdate":    stdlib.FormatDateFunc,
		"timeadd":       stdlib.TimeAddFunc,

		"concat":                 stdlib.ConcatFunc,
		"range":                  stdlib.RangeFunc,
		"length":                 lengthFunc,
		"element":                stdlib.ElementFunc,
		"index":                  stdlib.IndexFunc,
		"coalesce":               coalesceFunc,
		"coalescelist":           stdlib.CoalesceListFunc,
		"compact":                stdlib.CompactFunc,
		"contains":               stdlib.ContainsFunc,
		"distinct":               stdlib.DistinctFunc,
		"chunklist":              stdlib.ChunklistFunc,
		"flatten":                stdlib.FlattenFunc,
		"keys":                   stdlib.KeysFunc,
		"lookup":                 stdlib.LookupFunc,
		"merge":                  stdlib.MergeFunc,
		"reverse":                stdlib.ReverseListFunc,
		"slice":                  stdlib.SliceFunc,
		"values":                 stdlib.ValuesFunc,
		"zipmap":                 stdlib.ZipmapFunc,
		"setproduct":             stdlib.SetProductFunc,
		"setunion":               stdlib.SetUnionFunc,
		"setintersection":        stdlib.SetIntersectionFunc,
		"setsubtract":            stdlib.SetSubtractFunc,
		"setsymmetricdifference": stdlib.SetSymmetricDifferenceFunc,

		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"log":      stdlib.LogFunc,
		"pow":      stdlib.PowFunc,
		"signum":   stdlib.SignumFunc,
		"parseint": stdlib.ParseIntFunc,
		"min":      stdlib.MinFunc,
		"max":      stdlib.MaxFunc,

		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"csvdecode":  stdlib.CSVDecodeFunc,
		"tostring":   stdlib.MakeToFunc(cty.String),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"tobool":     stdlib.MakeToFunc(cty.Bool),
		"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	}
}

// newEvalContext is the root context of a configuration: functions only;
// locals are added by evalLocals.
func newEvalContext(dir string, lookupEnv func(string) (string, bool)) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{},
		Functions: Functions(dir, lookupEnv),
	}
}

// envFunc is env(name[, default]).
func envFunc(lookup func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the environment variable name, or default (\"\" when not given) when it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "default", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a variable name and at most one default value")
			}
			if v, ok := lookup(args[0].AsString()); ok {
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.StringVal(""), nil
		},
	})
}

// fileFunc is file(path), relative to dir.
// abspathFunc turns a path into an absolute one; a relative path is relative
// to the configuration directory (like file's), not to the master's working
// directory.
func abspathFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns an absolute path; a relative path is relative to the configuration directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			return cty.StringVal(filepath.Clean(p)), nil
		},
	})
}

func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the content of a UTF-8 text file; a relative path is relative to the configuration directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			s, err := readTextFile(p)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return cty.StringVal(s), nil
		},
	})
}

// readTextFile reads a regular UTF-8 file of at most maxFileSize bytes.
func readTextFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	if !utf8.Valid(data) {
		return "", fmt.Errorf("%s is not valid UTF-8 text", path)
	}
	return string(data), nil
}

// lengthFunc is Terraform's length: characters of a string, attributes of
// an object, elements of a collection or tuple.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the length of a string, collection or object.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsObjectType(),
			ty.IsListType(), ty.IsSetType(), ty.IsMapType(), ty.IsTupleType():
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "argument must be a string, a collection or an object")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		switch ty := v.Type(); {
		case ty == cty.String:
			return stdlib.Strlen(v)
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))), nil
		}
		return stdlib.Length(v)
	},
})

// coalesceFunc is Terraform's coalesce: go-cty's, skipping empty strings.
var coalesceFunc = function.New(&function.Spec{
	Description: "Returns the first argument that is neither null nor an empty string.",
	VarParam: &function.Parameter{
		Name:             "vals",
		Type:             cty.DynamicPseudoType,
		AllowUnknown:     true,
		AllowDynamicType: true,
		AllowNull:        true,
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		return stdlib.CoalesceFunc.ReturnTypeForValues(nonEmpty(args))
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return stdlib.CoalesceFunc.Call(nonEmpty(args))
	},
})

// nonEmpty drops known empty strings (go-cty's coalesce skips the nulls).
func nonEmpty(args []cty.Value) []cty.Value {
	out := make([]cty.Value, 0, len(args))
	for _, a := range args {
		if a.IsKnown() && !a.IsNull() && a.Type() == cty.String && a.AsString() == "" {
			continue
		}
		out = append(out, a)
	}
	return out
}
