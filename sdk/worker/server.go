package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server serves the worker instances of a plugin process.
type Server struct {
	pb.UnimplementedWorkerServer
	set *instances.Set
}

// NewServer returns the server of set, which must hold workers.
func NewServer(set *instances.Set) *Server { return &Server{set: set} }

// Register registers srv on s.
func Register(s grpc.ServiceRegistrar, srv *Server) { pb.RegisterWorkerServer(s, srv) }

func (s *Server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	return s.set.Configure(ctx, req)
}

func (s *Server) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	return s.set.Start(ctx, req)
}

func (s *Server) Stop(ctx context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	return s.set.Stop(ctx, req)
}

func (s *Server) worker(r *pb.InstanceRef) (Worker, base.Ref, error) {
	e, err := s.set.Lookup(r)
	if err != nil {
		return nil, base.Ref{}, err
	}
	w, ok := e.Comp.(Worker)
	if !ok {
		return nil, base.Ref{}, status.Errorf(codes.Internal, "%s is not a worker", e.Ref())
	}
	return w, e.Ref(), nil
}

func (s *Server) Info(ctx context.Context, req *pb.InfoRequest) (*pb.InfoResponse, error) {
	w, ref, err := s.worker(req.Ref)
	if err != nil {
		return nil, err
	}
	info, err := w.Info(ctx)
	if err != nil {
		return nil, convert.ErrorToStatus(fmt.Errorf("info %s: %w", ref, err))
	}
	m, err := infoToProto(info)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.InfoResponse{Info: m}, nil
}

func (s *Server) Substantiate(ctx context.Context, req *pb.SubstantiateRequest) (*pb.SubstantiateResponse, error) {
	w, ref, err := s.worker(req.Ref)
	if err != nil {
		return nil, err
	}
	l, ok := w.(Latent)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: substantiate: %v", ref, base.ErrUnsupported)
	}
	props, err := convert.ValueMapFromProto(req.Properties)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if err := l.Substantiate(ctx, SubstantiateRequest{Builder: req.Builder, Properties: props}); err != nil {
		return nil, convert.ErrorToStatus(fmt.Errorf("substantiate %s: %w", ref, err))
	}
	return &pb.SubstantiateResponse{}, nil
}

func (s *Server) Insubstantiate(ctx context.Context, req *pb.InsubstantiateRequest) (*pb.InsubstantiateResponse, error) {
	w, ref, err := s.worker(req.Ref)
	if err != nil {
		return nil, err
	}
	l, ok := w.(Latent)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: insubstantiate: %v", ref, base.ErrUnsupported)
	}
	if err := l.Insubstantiate(ctx); err != nil {
		return nil, convert.ErrorToStatus(fmt.Errorf("insubstantiate %s: %w", ref, err))
	}
	return &pb.InsubstantiateResponse{}, nil
}

// RunCommand runs one command: the first message names it, then the
// command's sink calls travel as messages answered by the master.
func (s *Server) RunCommand(stream pb.Worker_RunCommandServer) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	start := first.GetStart()
	if start == nil {
		return status.Error(codes.InvalidArgument, "RunCommand: the first message must be a CommandStart")
	}
	w, ref, err := s.worker(start.Ref)
	if err != nil {
		return err
	}
	args, err := convert.ValueMapFromProto(start.Args)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "command %s args: %v", start.Id, err)
	}
	cmd := Command{ID: start.Id, Name: start.Name, Builder: start.Builder, Args: args}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	sink := newStreamSink(stream)
	// The receiver ends when the stream does: when the master closes its
	// side after CommandComplete, or when this handler returns.
	go func() {
		sink.receive(func(why string) {
			// An interrupt that fails leaves the command running; the
			// master's timeout or the connection's loss ends it then.
			_ = w.Interrupt(ctx, cmd.ID, why)
		})
		cancel()
	}()
	runErr := w.RunCommand(ctx, cmd, sink)
	complete := &pb.CommandComplete{}
	if runErr != nil {
		complete.Error = runErr.Error()
	}
	if err := sink.send(&pb.CommandOutput{Msg: &pb.CommandOutput_Complete{Complete: complete}}); err != nil {
		return fmt.Errorf("%s command %s: send completion: %w", ref, cmd.ID, err)
	}
	return nil
}

// streamSink implements Sink over the RunCommand stream (plugin side).
type streamSink struct {
	stream pb.Worker_RunCommandServer

	sendMu sync.Mutex
	seq    uint64

	mu      sync.Mutex
	waiting map[uint64]chan *pb.CommandInput
	broken  error
}

func newStreamSink(stream pb.Worker_RunCommandServer) *streamSink {
	return &streamSink{stream: stream, waiting: map[uint64]chan *pb.CommandInput{}}
}

// receive reads the master's messages until the stream ends, handing
// answers to waiting calls and interrupts to onInterrupt.
func (s *streamSink) receive(onInterrupt func(why string)) {
	for {
		in, err := s.stream.Recv()
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.fail(fmt.Errorf("%w: the master closed the command stream", ErrConnectionLost))
			} else {
				s.fail(fmt.Errorf("%w: %v", ErrConnectionLost, err))
			}
			return
		}
		switch m := in.Msg.(type) {
		case *pb.CommandInput_Interrupt:
			go onInterrupt(m.Interrupt.GetWhy())
		case *pb.CommandInput_Ack:
			s.deliver(m.Ack.GetSeq(), in)
		case *pb.CommandInput_Download:
			s.deliver(m.Download.GetSeq(), in)
		}
	}
}

func (s *streamSink) deliver(seq uint64, in *pb.CommandInput) {
	s.mu.Lock()
	ch, ok := s.waiting[seq]
	delete(s.waiting, seq)
	s.mu.Unlock()
	if ok {
		ch <- in
	}
}

func (s *streamSink) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken == nil {
		s.broken = err
	}
	for seq, ch := range s.waiting {
		close(ch)
		delete(s.waiting, seq)
	}
}

func (s *streamSink) send(out *pb.CommandOutput) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.seq++
	out.Seq = s.seq
	return s.stream.Send(out)
}

// call sends out and waits for the answer with the same seq.
func (s *streamSink) call(out *pb.CommandOutput) (*pb.CommandInput, error) {
	ch := make(chan *pb.CommandInput, 1)
	s.sendMu.Lock()
	s.seq++
	out.Seq = s.seq
	s.mu.Lock()
	if s.broken != nil {
		err := s.broken
		s.mu.Unlock()
		s.sendMu.Unlock()
		return nil, err
	}
	s.waiting[out.Seq] = ch
	s.mu.Unlock()
	err := s.stream.Send(out)
	s.sendMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnectionLost, err)
	}
	in, ok := <-ch
	if !ok {
		s.mu.Lock()
		err := s.broken
		s.mu.Unlock()
		return nil, err
	}
	return in, nil
}

func (s *streamSink) ack(out *pb.CommandOutput) error {
	in, err := s.call(out)
	if err != nil {
		return err
	}
	if e := in.GetAck().GetError(); e != "" {
		return errors.New(e)
	}
	return nil
}

func (s *streamSink) Update(u Update) error {
	s.mu.Lock()
	broken := s.broken
	s.mu.Unlock()
	if broken != nil {
		return broken
	}
	return s.send(&pb.CommandOutput{Msg: &pb.CommandOutput_Update{Update: updateToProto(u)}})
}

func (s *streamSink) UploadWrite(p []byte) error {
	return s.ack(&pb.CommandOutput{Msg: &pb.CommandOutput_UploadWrite{UploadWrite: p}})
}

func (s *streamSink) UploadClose() error {
	return s.ack(&pb.CommandOutput{Msg: &pb.CommandOutput_UploadClose{UploadClose: &pb.Empty{}}})
}

func (s *streamSink) UploadUnpack() error {
	return s.ack(&pb.CommandOutput{Msg: &pb.CommandOutput_UploadUnpack{UploadUnpack: &pb.Empty{}}})
}

func (s *streamSink) UploadUtime(atime, mtime float64) error {
	return s.ack(&pb.CommandOutput{Msg: &pb.CommandOutput_UploadUtime{UploadUtime: &pb.UploadUtime{Atime: atime, Mtime: mtime}}})
}

func (s *streamSink) DownloadRead(n int) ([]byte, error) {
	in, err := s.call(&pb.CommandOutput{Msg: &pb.CommandOutput_DownloadRead{DownloadRead: &pb.DownloadRead{N: int64(n)}}})
	if err != nil {
		return nil, err
	}
	d := in.GetDownload()
	if d == nil {
		return nil, fmt.Errorf("download read: unexpected answer %T", in.Msg)
	}
	if d.Error != "" {
		return nil, errors.New(d.Error)
	}
	if len(d.Data) > n {
		return nil, fmt.Errorf("download read: asked for %d bytes, got %d", n, len(d.Data))
	}
	return d.Data, nil
}

func (s *streamSink) DownloadClose() error {
	return s.ack(&pb.CommandOutput{Msg: &pb.CommandOutput_DownloadClose{DownloadClose: &pb.Empty{}}})
}
