package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Client is the master's side of a plugin process's workers.
type Client struct {
	c      pb.WorkerClient
	hostID uint32
}

// NewClient returns a client on conn; hostID is the broker id of the
// master's Host service for that process.
func NewClient(conn grpc.ClientConnInterface, hostID uint32) *Client {
	return &Client{c: pb.NewWorkerClient(conn), hostID: hostID}
}

// Instance returns a handle for one instance whose configuration has schema.
func (c *Client) Instance(schema base.Block) Instance {
	return &remote{Remote: instances.NewRemote(c.c, c.hostID, schema), c: c.c, running: map[string]*runningCommand{}}
}

type remote struct {
	*instances.Remote
	c pb.WorkerClient

	mu      sync.Mutex
	info    Info
	running map[string]*runningCommand
}

type runningCommand struct {
	stream pb.Worker_RunCommandClient
	sendMu *sync.Mutex
}

// infoTimeout bounds Conn.Info's call when the info is not cached yet.
const infoTimeout = 10 * time.Second

func (r *remote) Info(ctx context.Context) (Info, error) {
	ref := r.CurrentRef()
	res, err := r.c.Info(ctx, &pb.InfoRequest{Ref: convert.RefToProto(ref)})
	if err != nil {
		return nil, fmt.Errorf("info %s: %w", ref, convert.ErrorFromStatus(err))
	}
	info, err := infoFromProto(res.Info)
	if err != nil {
		return nil, fmt.Errorf("info %s: %w", ref, err)
	}
	r.mu.Lock()
	r.info = info
	r.mu.Unlock()
	return info, nil
}

func (r *remote) Start(ctx context.Context) error {
	if err := r.Remote.Start(ctx); err != nil {
		return err
	}
	_, err := r.Info(ctx)
	return err
}

func (r *remote) Substantiate(ctx context.Context, req SubstantiateRequest) error {
	ref := r.CurrentRef()
	props, err := convert.ValueMapToProto(req.Properties)
	if err != nil {
		return fmt.Errorf("substantiate %s: %w", ref, err)
	}
	if _, err := r.c.Substantiate(ctx, &pb.SubstantiateRequest{Ref: convert.RefToProto(ref), Builder: req.Builder, Properties: props}); err != nil {
		return fmt.Errorf("substantiate %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return nil
}

func (r *remote) Insubstantiate(ctx context.Context) error {
	ref := r.CurrentRef()
	if _, err := r.c.Insubstantiate(ctx, &pb.InsubstantiateRequest{Ref: convert.RefToProto(ref)}); err != nil {
		return fmt.Errorf("insubstantiate %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return nil
}

// Conn returns the instance as the build engine's command channel.
func (r *remote) Conn() Conn { return conn{r} }

type conn struct{ r *remote }

func (c conn) Info() Info {
	c.r.mu.Lock()
	info := c.r.info
	c.r.mu.Unlock()
	if info != nil {
		return info
	}
	ctx, cancel := context.WithTimeout(context.Background(), infoTimeout)
	defer cancel()
	info, err := c.r.Info(ctx)
	if err != nil {
		return Info{}
	}
	return info
}

func (c conn) RunCommand(ctx context.Context, cmd Command, sink Sink) error {
	return c.r.RunCommand(ctx, cmd, sink)
}

func (c conn) Interrupt(ctx context.Context, commandID, why string) error {
	return c.r.Interrupt(ctx, commandID, why)
}

func (r *remote) RunCommand(ctx context.Context, cmd Command, sink Sink) error {
	ref := r.CurrentRef()
	args, err := convert.ValueMapToProto(cmd.Args)
	if err != nil {
		return fmt.Errorf("command %s: args: %w", cmd.ID, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := r.c.RunCommand(ctx)
	if err != nil {
		return fmt.Errorf("%w: %s command %s: %v", ErrConnectionLost, ref, cmd.ID, convert.ErrorFromStatus(err))
	}
	rc := &runningCommand{stream: stream, sendMu: &sync.Mutex{}}
	send := func(in *pb.CommandInput) error {
		rc.sendMu.Lock()
		defer rc.sendMu.Unlock()
		return stream.Send(in)
	}
	if err := send(&pb.CommandInput{Msg: &pb.CommandInput_Start{Start: &pb.CommandStart{Ref: convert.RefToProto(ref), Id: cmd.ID,
		Name: cmd.Name, Builder: cmd.Builder, Args: args}}}); err != nil {
		return fmt.Errorf("%w: %s command %s: %v", ErrConnectionLost, ref, cmd.ID, err)
	}
	r.mu.Lock()
	r.running[cmd.ID] = rc
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, cmd.ID)
		r.mu.Unlock()
	}()

	var updateErr error
	ack := func(seq uint64, err error) error {
		a := &pb.CommandAck{Seq: seq}
		if err != nil {
			a.Error = err.Error()
		}
		return send(&pb.CommandInput{Msg: &pb.CommandInput_Ack{Ack: a}})
	}
	for {
		out, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %s command %s abandoned: %v", ErrConnectionLost, ref, cmd.ID, ctx.Err())
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%w: %s command %s ended without completing", ErrConnectionLost, ref, cmd.ID)
			}
			return fmt.Errorf("%w: %s command %s: %v", ErrConnectionLost, ref, cmd.ID, err)
		}
		var sendErr error
		switch m := out.Msg.(type) {
		case *pb.CommandOutput_Update:
			if err := sink.Update(updateFromProto(m.Update)); err != nil && updateErr == nil {
				updateErr = err
			}
		case *pb.CommandOutput_UploadWrite:
			sendErr = ack(out.Seq, sink.UploadWrite(m.UploadWrite))
		case *pb.CommandOutput_UploadClose:
			sendErr = ack(out.Seq, sink.UploadClose())
		case *pb.CommandOutput_UploadUnpack:
			sendErr = ack(out.Seq, sink.UploadUnpack())
		case *pb.CommandOutput_UploadUtime:
			sendErr = ack(out.Seq, sink.UploadUtime(m.UploadUtime.GetAtime(), m.UploadUtime.GetMtime()))
		case *pb.CommandOutput_DownloadRead:
			n := int(m.DownloadRead.GetN())
			data, err := sink.DownloadRead(n)
			d := &pb.DownloadData{Seq: out.Seq, Data: data}
			if err != nil {
				d.Error, d.Data = err.Error(), nil
			}
			sendErr = send(&pb.CommandInput{Msg: &pb.CommandInput_Download{Download: d}})
		case *pb.CommandOutput_DownloadClose:
			sendErr = ack(out.Seq, sink.DownloadClose())
		case *pb.CommandOutput_Complete:
			rc.sendMu.Lock()
			_ = stream.CloseSend()
			rc.sendMu.Unlock()
			if e := m.Complete.GetError(); e != "" {
				return fmt.Errorf("%s command %s (%s) failed: %s", ref, cmd.ID, cmd.Name, e)
			}
			if updateErr != nil {
				return fmt.Errorf("%s command %s: delivering an update: %w", ref, cmd.ID, updateErr)
			}
			return nil
		}
		if sendErr != nil {
			return fmt.Errorf("%w: %s command %s: %v", ErrConnectionLost, ref, cmd.ID, sendErr)
		}
	}
}

func (r *remote) Interrupt(ctx context.Context, commandID, why string) error {
	r.mu.Lock()
	rc, ok := r.running[commandID]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	rc.sendMu.Lock()
	defer rc.sendMu.Unlock()
	if err := rc.stream.Send(&pb.CommandInput{Msg: &pb.CommandInput_Interrupt{Interrupt: &pb.CommandInterrupt{Why: why}}}); err != nil {
		return fmt.Errorf("interrupt command %s: %w", commandID, err)
	}
	return nil
}

var _ Instance = (*remote)(nil)
