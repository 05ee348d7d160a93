package www

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchBuilds is the size of the builds table the API benchmarks read.
const benchBuilds = 100_000

// fillBuilds inserts n finished builds over 100 builders.
func fillBuilds(b *testing.B, d *db.DB, n int) {
	b.Helper()
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO masters (id, name, name_hash, active, last_active) VALUES (1, 'm', 'h', 1, 0)`); err != nil {
			return err
		}
		for i := 1; i <= 100; i++ {
			name := fmt.Sprintf("b%d", i)
			if _, err := tx.Exec(ctx, `INSERT INTO builders (id, name, name_hash) VALUES ($1, $2, $3)`, i, name, db.HashColumns(name)); err != nil {
				return err
			}
		}
		for i := 1; i <= n; i++ {
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
}

// BenchmarkBuildsLimit100 measures GET /api/v2/builds?limit=100 over real
// HTTP on loopback against 100,000 builds in SQLite, with 1, 2, 4 and 8
// keep-alive clients: p50 latency and requests per second.
func BenchmarkBuildsLimit100(b *testing.B) {
	d := dbtest.Open(b, dbtest.SQLiteFile, db.Options{})
	fillBuilds(b, d, benchBuilds)
	ts := startServer(b, d, nil)
	url := ts.base + "/api/v2/builds?limit=100"
	for _, clients := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			get := func() error {
				resp, err := client.Get(url)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return err
			}
			for i := 0; i < clients; i++ { // warm the connections
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
			lat := make([][]time.Duration, clients)
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			b.ResetTimer()
			cpu0 := cpuTime()
			start := time.Now()
			for c := 0; c < clients; c++ {
				n := b.N / clients
				if c < b.N%clients {
					n++
				}
				wg.Add(1)
				go func(c, n int) {
					defer wg.Done()
					mine := make([]time.Duration, 0, n)
					for i := 0; i < n; i++ {
						t0 := time.Now()
						if err := get(); err != nil {
							errs <- err
							return
						}
						mine = append(mine, time.Since(t0))
					}
					lat[c] = mine
				}(c, n)
			}
			wg.Wait()
			elapsed := time.Since(start)
			cpu := cpuTime() - cpu0
			b.StopTimer()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			all := slices.Concat(lat...)
			slices.Sort(all)
			if len(all) > 0 {
				b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			// CPU of the whole process (server and clients) per second: near
			// GOMAXPROCS means the benchmark is CPU-bound, not serialised.
			b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpu-cores")
		})
	}
}
