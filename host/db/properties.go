package db

import (
	"encoding/json"
	"fmt"
)

// Property is a property value with its source, as buildsets, changes and
// builds store them.
type Property struct {
	Value  any
	Source string
}

// Properties maps a property name to its value and source.
type Properties map[string]Property

// Property name and source columns are VARCHAR(256).
const (
	propertyNameLength   = 256
	propertySourceLength = 256
)

// encodePair is the JSON `[value, source]` of buildset_properties and
// change_properties.
func encodePair(p Property) (string, error) {
	s, err := marshalJSON([2]any{p.Value, p.Source})
	if err != nil {
		return "", fmt.Errorf("encode property value: %w", err)
	}
	return s, nil
}

// decodePair reads a JSON `[value, source]`.
func decodePair(s string) (Property, error) {
	var pair []json.RawMessage
	if err := json.Unmarshal([]byte(s), &pair); err != nil || len(pair) != 2 {
		return Property{}, fmt.Errorf("malformed property value %q", truncateForError(s))
	}
	var p Property
	if err := json.Unmarshal(pair[0], &p.Value); err != nil {
		return Property{}, err
	}
	if err := json.Unmarshal(pair[1], &p.Source); err != nil {
		return Property{}, fmt.Errorf("malformed property source %q", truncateForError(s))
	}
	return p, nil
}

func decodeValue(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("malformed property value %q: %w", truncateForError(s), err)
	}
	return v, nil
}

func truncateForError(s string) string { return clip(s, 80) }
