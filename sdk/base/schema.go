package base

import (
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// Block is the schema of a configuration block (Terraform's configschema
// shape): attributes with cty types, and nested blocks.
type Block struct {
	Attributes  []Attribute
	Blocks      []NestedBlock
	Description string
}

// Attribute is one attribute of a Block.
type Attribute struct {
	Name        string
	Type        cty.Type
	Description string
	Required    bool
	Sensitive   bool
}

// Nesting says how often a nested block may appear.
type Nesting int

// Nesting modes.
const (
	// NestingSingle: at most one block (exactly one when MinItems is 1).
	NestingSingle Nesting = iota + 1
	// NestingList: any number of blocks, in order.
	NestingList
)

// NestedBlock is a block type allowed inside a Block.
type NestedBlock struct {
	Name     string
	Nesting  Nesting
	Block    Block
	MinItems int
	MaxItems int // 0 = unlimited
}

// ImpliedType is the cty type of a value decoded with the block's Spec: an
// object with one attribute per attribute and nested block type.
func (b Block) ImpliedType() cty.Type {
	return hcldec.ImpliedType(b.Spec())
}

// Spec returns the hcldec spec that decodes a body of this block.
func (b Block) Spec() hcldec.ObjectSpec {
	spec := hcldec.ObjectSpec{}
	for _, a := range b.Attributes {
		spec[a.Name] = &hcldec.AttrSpec{Name: a.Name, Type: a.Type, Required: a.Required}
	}
	for _, nb := range b.Blocks {
		nested := nb.Block.Spec()
		switch nb.Nesting {
		case NestingList:
			spec[nb.Name] = &hcldec.BlockListSpec{TypeName: nb.Name, Nested: nested, MinItems: nb.MinItems, MaxItems: nb.MaxItems}
		default:
			spec[nb.Name] = &hcldec.BlockSpec{TypeName: nb.Name, Nested: nested, Required: nb.MinItems > 0}
		}
	}
	return spec
}

// Attribute returns the attribute called name, or nil.
func (b Block) Attribute(name string) *Attribute {
	for i := range b.Attributes {
		if b.Attributes[i].Name == name {
			return &b.Attributes[i]
		}
	}
	return nil
}

// NestedBlock returns the nested block type called name, or nil.
func (b Block) NestedBlock(name string) *NestedBlock {
	for i := range b.Blocks {
		if b.Blocks[i].Name == name {
			return &b.Blocks[i]
		}
	}
	return nil
}
