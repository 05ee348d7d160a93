package data

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

// BenchmarkGetBuilds reads /builds?limit=100 (through Get and the sorted
// JSON encoder, without HTTP) from 100,000 builds in an SQLite file, from 1
// and from GOMAXPROCS×2 goroutines: with a reader pool that does not
// serialise reads, the parallel figure is the better one.
func BenchmarkGetBuilds(b *testing.B) {
	d := dbtest.Open(b, dbtest.SQLiteFile, db.Options{})
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i := 1; i <= 100_000; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO builds (id, number, builderid, buildrequestid, workerid, masterid, started_at, complete_at, state_string, results)
 VALUES ($1, $2, $3, $1, 1, 1, $4, $5, 'build successful', 0)`, i, (i-1)/100+1, (i-1)%100+1, 1795727000+i, 1795727010+i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	a := NewAPI(APIOptions{DB: d, MQ: mq.NewSimple()})
	q := url.Values{"limit": {"100"}}
	get := func(buf []byte) ([]byte, error) {
		res, err := a.Get(ctx, "builds", q)
		if err != nil {
			return buf, err
		}
		if len(res.Items) != 100 {
			return buf, fmt.Errorf("%d items", len(res.Items))
		}
		return res.AppendJSON(buf[:0])
	}
	b.Run("serial", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			if buf, err = get(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			var buf []byte
			var err error
			for pb.Next() {
				if buf, err = get(buf); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
