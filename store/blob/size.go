package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Errors for a body that is not exactly the size it was announced with.
// Both backends store exactly the announced number of bytes: a body that
// is shorter or longer fails before anything becomes visible.
var (
	errTooLong  = errors.New("blob: body longer than its size")
	errTooShort = errors.New("blob: body shorter than its size")
)

// fill copies exactly size bytes from r into f, fsyncs and closes f.
func fill(f *os.File, r io.Reader, size int64) error {
	n, err := io.Copy(f, io.LimitReader(r, size+1))
	if err == nil {
		switch {
		case n > size:
			err = errTooLong
		case n < size:
			err = errTooShort
		default:
			err = f.Sync()
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// bodyReader marks a failure to read a request body (the client went away
// or sent less than it announced) as errTooShort, apart from disk errors.
type bodyReader struct{ r io.Reader }

// Read reads from the body.
func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errTooShort, err)
	}
	return n, err
}

// checkRemaining compares the bytes left in rs with size.
func checkRemaining(rs io.ReadSeeker, size int64) error {
	cur, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := rs.Seek(cur, io.SeekStart); err != nil {
		return err
	}
	switch {
	case end-cur > size:
		return errTooLong
	case end-cur < size:
		return errTooShort
	}
	return nil
}

// exactReader passes on exactly left bytes of r. It fails instead of
// returning the last of them when r holds more, and fails at an early end.
type exactReader struct {
	r    io.Reader
	left int64
}

// Read reads from r, never past the announced size.
func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return e.atEnd()
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left > 0 && err == io.EOF:
		return n, errTooShort
	case e.left == 0 && err == nil:
		if _, err := e.atEnd(); err != io.EOF {
			return 0, err
		}
	}
	return n, err
}

// atEnd checks that r has nothing left: io.EOF if so, else an error.
func (e *exactReader) atEnd() (int, error) {
	var one [1]byte
	_, err := io.ReadFull(e.r, one[:])
	switch err {
	case nil:
		return 0, errTooLong
	case io.EOF:
		return 0, io.EOF
	}
	return 0, err
}
