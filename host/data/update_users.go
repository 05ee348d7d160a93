package data

import (
	"context"

	"github.com/bbhost/bbhost/host/db"
)

// FindUserByAttr returns the user holding attribute (attrType, attrData),
// creating it with identifier (made unique with _2, _3… when taken) when
// there is none.
func (c *Connector) FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	return c.db.Users().FindByAttr(ctx, identifier, attrType, attrData)
}

// GetUser returns a user's usdict (every attribute, then uid, identifier,
// bb_username, bb_password), or nil.
func (c *Connector) GetUser(ctx context.Context, uid int64) (map[string]any, error) {
	u, err := c.db.Users().Get(ctx, uid)
	if err != nil || u == nil {
		return nil, err
	}
	return u.UsDict(), nil
}

// GetUserByUsername returns the usdict of the user with web login
// username, or nil.
func (c *Connector) GetUserByUsername(ctx context.Context, username string) (map[string]any, error) {
	u, err := c.db.Users().GetByUsername(ctx, username)
	if err != nil || u == nil {
		return nil, err
	}
	return u.UsDict(), nil
}

// GetUsers returns every user's uid and identifier.
func (c *Connector) GetUsers(ctx context.Context) ([]map[string]any, error) {
	us, err := c.db.Users().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(us))
	for i, u := range us {
		out[i] = map[string]any{"uid": u.UID, "identifier": u.Identifier}
	}
	return out, nil
}

// UpdateUser changes a user's identifier, credentials and one attribute.
func (c *Connector) UpdateUser(ctx context.Context, u db.UserUpdate) error {
	return c.db.Users().Update(ctx, u)
}

// RemoveUser deletes a user, its attributes and its links to changes.
func (c *Connector) RemoveUser(ctx context.Context, uid int64) error {
	return c.db.Users().Remove(ctx, uid)
}

// IdentifierToUID returns the uid of the user with identifier, or 0.
func (c *Connector) IdentifierToUID(ctx context.Context, identifier string) (int64, error) {
	return c.db.Users().IdentifierToUID(ctx, identifier)
}
