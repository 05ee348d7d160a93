package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ReleaseMemory gives back the memory SQLite holds beyond what it needs:
// each idle connection frees its page cache (PRAGMA shrink_memory; the pages
// are read again on demand, from the operating system's cache), and the C
// allocator returns its free pages to the system. The master calls it when
// a burst of work is over (after start and after a reconfig, which write a
// row per builder). PostgreSQL connections hold no such memory here: a no-op.
func (d *DB) ReleaseMemory(ctx context.Context) error {
	if d.dialect != SQLite || d.closed.Load() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second) // never wait long for a busy pool
	defer cancel()
	d.wmu.Lock()
	_, err := d.wconn.ExecContext(ctx, "PRAGMA shrink_memory")
	d.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("release writer memory: %w", err)
	}
	// Take every idle reader at once, so each gets the pragma.
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	// Count them first: each one taken leaves one fewer idle.
	for range d.r.Stats().Idle {
		c, err := d.r.Conn(ctx)
		if err != nil {
			return fmt.Errorf("release reader memory: %w", err)
		}
		conns = append(conns, c)
		if _, err := c.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
			return fmt.Errorf("release reader memory: %w", err)
		}
	}
	trimCHeap()
	return nil
}
