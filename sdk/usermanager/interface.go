// Package usermanager is the user manager plugin kind (Buildbot's
// CommandlineUserManager and friends): a component that maintains the
// master's users through the Host's user calls (FindUserByAttr, GetUser,
// UpdateUser, RemoveUser, IdentifierToUID). It has only the common
// lifecycle; what it listens on and how it authenticates is its own
// business.
package usermanager

import "github.com/bbhost/bbhost/sdk/base"

// UserManager is one user manager instance.
type UserManager interface {
	base.Component
}

// Component registers a user manager kind with sdk.Serve.
type Component struct {
	// Kind is the block's first label: user_manager "<Kind>" "<name>".
	Kind   string
	Docs   string
	Config any
	New    func() UserManager
}

// Registration implements sdk.Component.
func (c Component) Registration() (base.Registration, error) {
	var newFn func() base.Component
	if c.New != nil {
		newFn = func() base.Component { return c.New() }
	}
	return base.NewRegistration(base.TypeUserManager, c.Kind, c.Docs, c.Config, nil, newFn)
}
