package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// User is a row of `users` with its attributes (users_info).
type User struct {
	UID        int64
	Identifier string
	BBUsername *string
	BBPassword *string
	Attrs      map[string]string
}

// UsDict is Buildbot's usdict: every attribute, then uid, identifier,
// bb_username and bb_password (which win over attributes of those names).
func (u *User) UsDict() map[string]any {
	d := make(map[string]any, len(u.Attrs)+4)
	for k, v := range u.Attrs {
		d[k] = v
	}
	d["uid"] = u.UID
	d["identifier"] = u.Identifier
	d["bb_username"] = nil
	if u.BBUsername != nil {
		d["bb_username"] = *u.BBUsername
	}
	d["bb_password"] = nil
	if u.BBPassword != nil {
		d["bb_password"] = *u.BBPassword
	}
	return d
}

// Column widths of users and users_info.
const (
	userIdentifierLength = 255
	userAttrLength       = 128
)

// Users is the users and users_info component.
type Users struct{ comp }

// Users returns the users component.
func (d *DB) Users() Users { return Users{comp{d: d}} }

// Users returns the users component inside the transaction.
func (t *Tx) Users() Users { return Users{comp{d: t.db, tx: t}} }

var (
	qUserByAttr     = newStmt("SELECT uid FROM users_info WHERE attr_type = $1 AND attr_data = $2")
	qUserInsert     = newStmt("INSERT INTO users (identifier) VALUES ($1) ON CONFLICT (identifier) DO NOTHING RETURNING uid")
	qUserInfoIns    = newStmt("INSERT INTO users_info (uid, attr_type, attr_data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
	qUserDelete1    = newStmt("DELETE FROM users WHERE uid = $1")
	qUserGet        = newStmt("SELECT uid, identifier, bb_username, bb_password FROM users WHERE uid = $1")
	qUserByName     = newStmt("SELECT uid, identifier, bb_username, bb_password FROM users WHERE bb_username = $1")
	qUserByIdent    = newStmt("SELECT uid FROM users WHERE identifier = $1")
	qUserAll        = newStmt("SELECT uid, identifier, bb_username, bb_password FROM users ORDER BY uid")
	qUserInfo       = newStmt("SELECT attr_type, attr_data FROM users_info WHERE uid = $1")
	qUserSetIdent   = newStmt("UPDATE users SET identifier = $2 WHERE uid = $1")
	qUserSetCreds   = newStmt("UPDATE users SET bb_username = $2, bb_password = $3 WHERE uid = $1")
	qUserSetAttr    = newStmt("UPDATE users_info SET attr_data = $3 WHERE uid = $1 AND attr_type = $2")
	qUserDelChanges = newStmt("DELETE FROM change_users WHERE uid = $1")
	qUserDelInfo    = newStmt("DELETE FROM users_info WHERE uid = $1")
)

// FindByAttr returns the user holding attribute (attrType, attrData),
// creating it with identifier (made unique with _2, _3… when another user
// has it) when there is none, as Buildbot's findUserByAttr.
func (c Users) FindByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	identifier = clip(identifier, userIdentifierLength)
	attrType, attrData = clip(attrType, userAttrLength), clip(attrData, userAttrLength)
	var uid int64
	err := c.write(ctx, func(t *Tx) error {
		ident := identifier
		for attempt := 0; attempt < 1000; attempt++ {
			found, err := noRows(t.queryRow(ctx, qUserByAttr, attrType, attrData).Scan(&uid))
			if err != nil || found {
				return err
			}
			found, err = noRows(t.queryRow(ctx, qUserInsert, ident).Scan(&uid))
			if err != nil {
				return err
			}
			if !found {
				if ident, err = IncrementIdentifier(userIdentifierLength, ident); err != nil {
					return err
				}
				continue
			}
			res, err := t.exec(ctx, qUserInfoIns, uid, attrType, attrData)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 1 {
				return err
			}
			// Another writer gave the attribute to its own new user.
			if _, err := t.exec(ctx, qUserDelete1, uid); err != nil {
				return err
			}
		}
		return fmt.Errorf("no free identifier")
	})
	if err != nil {
		return 0, fmt.Errorf("find user by %s=%q: %w", attrType, attrData, err)
	}
	return uid, nil
}

func scanUser(s scanner) (User, error) {
	var u User
	var name, pw sql.NullString
	err := s.Scan(&u.UID, &u.Identifier, &name, &pw)
	u.BBUsername, u.BBPassword = strPtr(name), strPtr(pw)
	return u, err
}

func (c Users) withAttrs(ctx context.Context, r runner, u User, err error) (*User, error) {
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	rows, err := r.query(ctx, qUserInfo, u.UID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	u.Attrs = map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		u.Attrs[k] = v
	}
	return &u, rows.Err()
}

// Get returns a user with its attributes, or nil.
func (c Users) Get(ctx context.Context, uid int64) (*User, error) {
	r := c.read()
	u, err := scanUser(r.queryRow(ctx, qUserGet, uid))
	return c.withAttrs(ctx, r, u, err)
}

// GetByUsername returns the user with web login username, or nil.
func (c Users) GetByUsername(ctx context.Context, username string) (*User, error) {
	r := c.read()
	u, err := scanUser(r.queryRow(ctx, qUserByName, username))
	return c.withAttrs(ctx, r, u, err)
}

// List returns every user (without attributes), by uid.
func (c Users) List(ctx context.Context) ([]User, error) {
	rows, err := c.read().query(ctx, qUserAll)
	return collect(rows, err, scanUser)
}

// IdentifierToUID returns the uid of the user with identifier, or 0.
func (c Users) IdentifierToUID(ctx context.Context, identifier string) (int64, error) {
	var uid int64
	if _, err := noRows(c.read().queryRow(ctx, qUserByIdent, identifier).Scan(&uid)); err != nil {
		return 0, err
	}
	return uid, nil
}

// UserUpdate is what Update changes; nil fields are left alone. BBUsername
// and BBPassword go together, as do AttrType and AttrData.
type UserUpdate struct {
	UID        int64
	Identifier *string
	BBUsername *string
	BBPassword *string
	AttrType   *string
	AttrData   *string
}

// ErrUserConflict is wrapped by Update's error when the attribute is held
// by another user (nothing is changed).
var ErrUserConflict = errors.New("attribute already belongs to another user")

// Update changes a user's identifier, credentials and one attribute, all or
// nothing.
func (c Users) Update(ctx context.Context, u UserUpdate) error {
	if (u.BBUsername == nil) != (u.BBPassword == nil) {
		return fmt.Errorf("update user %d: bb_username and bb_password go together", u.UID)
	}
	if (u.AttrType == nil) != (u.AttrData == nil) {
		return fmt.Errorf("update user %d: attr_type and attr_data go together", u.UID)
	}
	err := c.write(ctx, func(t *Tx) error {
		if u.Identifier != nil {
			if _, err := t.exec(ctx, qUserSetIdent, u.UID, clip(*u.Identifier, userIdentifierLength)); err != nil {
				return err
			}
		}
		if u.BBUsername != nil {
			if _, err := t.exec(ctx, qUserSetCreds, u.UID, clip(*u.BBUsername, 128), clip(*u.BBPassword, 128)); err != nil {
				return err
			}
		}
		if u.AttrType != nil {
			typ, data := clip(*u.AttrType, userAttrLength), clip(*u.AttrData, userAttrLength)
			res, err := t.exec(ctx, qUserSetAttr, u.UID, typ, data)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n > 0 {
				return err
			}
			res, err = t.exec(ctx, qUserInfoIns, u.UID, typ, data)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err == nil {
					err = ErrUserConflict
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.UID, err)
	}
	return nil
}

// Remove deletes a user, its attributes and its links to changes.
func (c Users) Remove(ctx context.Context, uid int64) error {
	return c.write(ctx, func(t *Tx) error {
		for _, s := range []*stmt{qUserDelChanges, qUserDelInfo, qUserDelete1} {
			if _, err := t.exec(ctx, s, uid); err != nil {
				return fmt.Errorf("remove user %d: %w", uid, err)
			}
		}
		return nil
	})
}
