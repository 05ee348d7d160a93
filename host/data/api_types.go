package data

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// FieldKind is the kind of a data API field type (Buildbot's data/types.py).
type FieldKind int

// The field kinds of Buildbot 3.7's data API.
const (
	KindInteger FieldKind = iota
	KindDateTime
	KindString
	KindBoolean
	KindIdentifier
	KindBinary
	KindJSONObject
	KindSourcedProperties
	KindList
	KindEntity
)

var kindNames = [...]string{
	KindInteger:           "integer",
	KindDateTime:          "datetime",
	KindString:            "string",
	KindBoolean:           "boolean",
	KindIdentifier:        "identifier",
	KindBinary:            "binary",
	KindJSONObject:        "jsonobject",
	KindSourcedProperties: "sourcedproperties",
	KindList:              "list",
}

// FieldType is the type of one field: a scalar kind, a list of a type, or a
// nested entity; Nullable is Buildbot's NoneOk.
type FieldType struct {
	Kind     FieldKind
	Nullable bool
	// Len is an identifier's maximum length.
	Len int
	// Of is a list's element type.
	Of *FieldType
	// Entity is a nested entity's type.
	Entity *EntityType
}

// Field is one named field of an entity type.
type Field struct {
	Name string
	Type *FieldType
}

// EntityType is the shape of a resource's items: its fields in Buildbot's
// declaration order.
type EntityType struct {
	Name   string
	Fields []*Field
	byName map[string]*Field
}

func newEntity(name string, fields ...*Field) *EntityType {
	e := &EntityType{Name: name, Fields: fields, byName: make(map[string]*Field, len(fields))}
	for _, f := range fields {
		e.byName[f.Name] = f
	}
	return e
}

// Field returns the field called name, or nil.
func (e *EntityType) Field(name string) *Field {
	if e == nil {
		return nil
	}
	return e.byName[name]
}

func fld(name string, t *FieldType) *Field { return &Field{Name: name, Type: t} }

func tInt() *FieldType        { return &FieldType{Kind: KindInteger} }
func tDate() *FieldType       { return &FieldType{Kind: KindDateTime} }
func tStr() *FieldType        { return &FieldType{Kind: KindString} }
func tBool() *FieldType       { return &FieldType{Kind: KindBoolean} }
func tIdent(n int) *FieldType { return &FieldType{Kind: KindIdentifier, Len: n} }
func tBinary() *FieldType     { return &FieldType{Kind: KindBinary} }
func tJSON() *FieldType       { return &FieldType{Kind: KindJSONObject} }
func tProps() *FieldType      { return &FieldType{Kind: KindSourcedProperties} }
func tList(of *FieldType) *FieldType {
	return &FieldType{Kind: KindList, Of: of}
}
func tEntity(e *EntityType) *FieldType { return &FieldType{Kind: KindEntity, Entity: e} }
func null(t *FieldType) *FieldType {
	c := *t
	c.Nullable = true
	return &c
}

// Name is the type's name as application.spec shows it ("integer",
// "string or None", "list", "sourcestamp", "patch or None").
func (t *FieldType) Name() string {
	var n string
	if t.Kind == KindEntity {
		n = t.Entity.Name
	} else {
		n = kindNames[t.Kind]
	}
	if t.Nullable {
		n += " or None"
	}
	return n
}

// Spec is the type's description in application.spec (Buildbot's getSpec).
func (t *FieldType) Spec() map[string]any {
	var s map[string]any
	switch t.Kind {
	case KindList:
		s = map[string]any{"type": "list", "of": t.Of.Spec()}
	case KindEntity:
		s = t.Entity.Spec()
	default:
		s = map[string]any{"name": kindNames[t.Kind]}
	}
	if t.Nullable {
		s["can_be_null"] = true
	}
	return s
}

// Spec is the entity's description in application.spec.
func (e *EntityType) Spec() map[string]any {
	fields := make([]any, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = map[string]any{"name": f.Name, "type": f.Type.Name(), "type_spec": f.Type.Spec()}
	}
	return map[string]any{"type": e.Name, "fields": fields}
}

var identRe = regexp.MustCompile(`^[a-zA-Z_-][a-zA-Z0-9._-]*$`)

var booleans = map[string]bool{
	"on": true, "true": true, "yes": true, "1": true,
	"off": false, "false": false, "no": false, "0": false,
}

// ValueFromString parses a query-string value with the field's type, as
// Buildbot's valueFromString: integers and dates as base-10 integers,
// booleans from on/true/yes/1 and off/false/no/0, identifiers checked against
// their pattern and length; lists parse their element type. JSON objects,
// properties and entities cannot be given in a query string.
func (t *FieldType) ValueFromString(s string) (any, error) {
	switch t.Kind {
	case KindInteger, KindDateTime:
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, err
		}
		return v, nil
	case KindString, KindBinary:
		return s, nil
	case KindBoolean:
		v, ok := booleans[strings.ToLower(s)]
		if !ok {
			return nil, fmt.Errorf("not a boolean: %q", s)
		}
		return v, nil
	case KindIdentifier:
		if s == "" || !identRe.MatchString(s) || (t.Len > 0 && len(s) > t.Len) {
			return nil, fmt.Errorf("not an identifier: %q", s)
		}
		return s, nil
	case KindList:
		return t.Of.ValueFromString(s)
	}
	return nil, fmt.Errorf("type %s cannot be given as a string", t.Name())
}

// ResourceType is one resource of the data API: its singular and plural
// names and the type of its items.
type ResourceType struct {
	Name   string
	Plural string
	// Type is an entity type, or the sourcedproperties type of the
	// `properties` resource.
	Type *FieldType
}

// Entity returns the item entity type, or nil for `properties`.
func (r *ResourceType) Entity() *EntityType { return r.Type.Entity }

// Field returns the item field called name, or nil.
func (r *ResourceType) Field(name string) *Field { return r.Type.Entity.Field(name) }

func resource(name, plural string, e *EntityType) *ResourceType {
	return &ResourceType{Name: name, Plural: plural, Type: tEntity(e)}
}
