package runner

import (
	"fmt"
	"os"
)

// readBufferSize is the size of one read from a process's stdout or stderr
// (a Linux pipe holds 64 KiB).
const readBufferSize = 64 * 1024

// waitResult is what Process.Wait returned.
type waitResult struct {
	state *os.ProcessState
	err   error
}

// chunk is one read from stdout (stream 0) or stderr (stream 1).
type chunk struct {
	stream int
	buf    *[]byte
	n      int
	eof    bool
}

// spawn starts the process in a new process group with pipes for stdout and
// stderr, and starts the goroutines that wait for it and read its output.
func (p *procState) spawn() (err error) {
	sp := p.sp
	path, err := lookPath(sp.argv[0], sp.env, sp.dir)
	if err != nil {
		return err
	}
	var stdinR *os.File
	if sp.stdin != nil {
		if stdinR, p.stdinW, err = os.Pipe(); err != nil {
			return fmt.Errorf("stdin pipe: %w", err)
		}
	} else if stdinR, err = os.Open(os.DevNull); err != nil {
		return fmt.Errorf("open %s: %w", os.DevNull, err)
	}
	var childOut [2]*os.File
	closeAll := func() {
		for _, f := range []*os.File{stdinR, p.stdinW, p.pipes[0], p.pipes[1], childOut[0], childOut[1]} {
			if f != nil {
				_ = f.Close()
			}
		}
	}
	for i := range p.pipes {
		if p.pipes[i], childOut[i], err = os.Pipe(); err != nil {
			closeAll()
			return fmt.Errorf("output pipe: %w", err)
		}
	}
	p.process, err = os.StartProcess(path, sp.argv, &os.ProcAttr{
		Dir:   sp.dir,
		Env:   envList(sp.env),
		Files: []*os.File{stdinR, childOut[0], childOut[1]},
		Sys:   childSysProcAttr(),
	})
	_ = stdinR.Close()
	_ = childOut[0].Close()
	_ = childOut[1].Close()
	if err != nil {
		for _, f := range []*os.File{p.stdinW, p.pipes[0], p.pipes[1]} {
			if f != nil {
				_ = f.Close()
			}
		}
		return err
	}
	p.pgid = p.process.Pid

	p.exitc = make(chan waitResult, 1)
	go func() {
		st, err := p.process.Wait()
		p.exitc <- waitResult{st, err}
	}()

	p.outc = make(chan chunk)
	p.done = make(chan struct{})
	for i := range p.pipes {
		p.free[i] = make(chan *[]byte, 2)
		p.free[i] <- p.x.r.bufs.Get().(*[]byte)
		p.free[i] <- p.x.r.bufs.Get().(*[]byte)
		p.readers.Add(1)
		go p.read(i)
	}
	if p.stdinW != nil {
		p.stdinDone = make(chan struct{})
		go func(w *os.File, data []byte) {
			defer close(p.stdinDone)
			_, _ = w.Write(data)
			_ = w.Close()
		}(p.stdinW, sp.stdin)
	}
	return nil
}

// read forwards one output pipe to the loop, reusing two buffers so that
// memory stays bounded however much the process prints.
func (p *procState) read(i int) {
	defer p.readers.Done()
	for {
		var bp *[]byte
		select {
		case bp = <-p.free[i]:
		case <-p.done:
			return
		}
		n, err := p.pipes[i].Read(*bp)
		if n > 0 {
			select {
			case p.outc <- chunk{stream: i, buf: bp, n: n}:
			case <-p.done:
				return
			}
		} else {
			p.free[i] <- bp
		}
		if err != nil {
			select {
			case p.outc <- chunk{stream: i, eof: true}:
			case <-p.done:
			}
			return
		}
	}
}

// release stops the readers and the stdin writer and returns the buffers.
// Only the goroutine waiting for a process that survived SIGKILL may outlive
// it (it ends when that process does).
func (p *procState) release() {
	for _, a := range []*alarm{&p.ioAlarm, &p.maxAlarm, &p.sigtermAlarm, &p.backupAlarm, &p.bufAlarm} {
		a.stop()
	}
	close(p.done)
	_ = p.pipes[0].Close()
	_ = p.pipes[1].Close()
	p.readers.Wait()
	if p.stdinW != nil {
		_ = p.stdinW.Close()
		<-p.stdinDone
	}
	for i := range p.free {
		for len(p.free[i]) > 0 {
			p.x.r.bufs.Put(<-p.free[i])
		}
	}
}
