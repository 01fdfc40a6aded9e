// Command fid-vectors prints the reference vectors in test/vectors/fid.json.
//
// It is an independent cross-check of src/cess/fid: it computes segment hashes, fragment
// hashes (Reed-Solomon with github.com/klauspost/reedsolomon, the library the CESS gateways
// use), the CD²N fid and the DeOSS fid the way the Go gateways do, following
//
//   - CESSProject/CD2N retriever/gateway/gateway.go, (*Gateway).ProcessFile, with
//     CESSProject/go-sdk libs/utils (FillZeroData, ReedSolomonWithHandle);
//   - CESSProject/cess-go-sdk core/process/process.go, FillAndCut + Redundancy, with
//     core/erasure (ReedSolomon) and core/hashtree (BuildSimpleMerkelRootHash,
//     BuildMerkelRootHash), which DeOSS node/put_file.go calls via process.FullProcessing.
//
// The code below is written for this repository (it is not copied from those projects); it
// reads inputs from files with the same one-Read-per-segment loop the gateways use.
//
// Build and run without network (Debian packages golang-go and
// golang-github-klauspost-reedsolomon-dev):
//
//	cd tools/fid-vectors && GO111MODULE=off GOPATH=/usr/share/gocode go run . > ../../test/vectors/fid.json
//	npx prettier --write ../../test/vectors/fid.json
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/reedsolomon"
)

const (
	mib          = 1024 * 1024
	segmentSize  = 32 * mib // CD2N config.SEGMENT_SIZE, cess-go-sdk chain.SegmentSize
	fragmentSize = 8 * mib  // config.FRAGMENT_SIZE
	dataShards   = 4        // config.FRAGMENTS_NUM, chain.DataShards
	parityShards = 8        // config.PARITY_NUM, chain.ParShards
)

// genByte is the deterministic test content: byte i of every input is (i*31+7) mod 251.
// src/cess/fid tests generate the same bytes.
func genByte(i int64) byte { return byte((i*31 + 7) % 251) }

func writeInput(dir, name string, size int64) (string, error) {
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf := make([]byte, mib)
	for off := int64(0); off < size; {
		n := int64(len(buf))
		if size-off < n {
			n = size - off
		}
		for k := int64(0); k < n; k++ {
			buf[k] = genByte(off + k)
		}
		if _, err := f.Write(buf[:n]); err != nil {
			return "", err
		}
		off += n
	}
	return p, nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type segment struct {
	Hash      string   `json:"hash"`
	Fragments []string `json:"fragments"`
}

// fragments splits one padded 32 MiB segment into 4 data + 8 parity shards with klauspost's
// default encoder and hashes each shard, as go-sdk utils.ReedSolomonWithHandle + the
// ProcessFile callback (and cess-go-sdk erasure.ReedSolomon) do.
func fragments(seg []byte) ([]string, error) {
	enc, err := reedsolomon.New(dataShards, parityShards)
	if err != nil {
		return nil, err
	}
	shards, err := enc.Split(seg)
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(shards); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(shards))
	for _, s := range shards {
		if len(s) != fragmentSize {
			return nil, fmt.Errorf("fragment of %d bytes", len(s))
		}
		out = append(out, sha256Hex(s))
	}
	return out, nil
}

// cd2nProcess mirrors CD2N (*Gateway).ProcessFile: segment count = ceil(size/32 MiB), one
// f.Read per segment into a 32 MiB buffer, zero-fill the rest, sha256 of the whole buffer,
// RS fragments, fid = sha256 over the concatenated *raw* segment digests (hex-decoded).
func cd2nProcess(path string) ([]segment, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	count := st.Size() / segmentSize
	if st.Size()%segmentSize != 0 {
		count++
	}
	segs := []segment{}
	buf := make([]byte, segmentSize)
	for i := int64(0); i < count; i++ {
		n, err := f.Read(buf)
		if err != nil {
			return nil, "", err
		}
		for k := n; k < len(buf); k++ {
			buf[k] = 0
		}
		h := sha256Hex(buf)
		frags, err := fragments(buf)
		if err != nil {
			return nil, "", err
		}
		segs = append(segs, segment{Hash: h, Fragments: frags})
	}
	hashes := make([]string, len(segs))
	for i, s := range segs {
		hashes[i] = s.Hash
	}
	return segs, cd2nFid(hashes), nil
}

func cd2nFid(hashes []string) string {
	h := sha256.New()
	for _, s := range hashes {
		b, _ := hex.DecodeString(s)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// deossProcess mirrors cess-go-sdk process.FullProcessing without a cipher: FillAndCut
// refuses an empty file, cuts 32 MiB segments (Seek + Read), zero-pads the last one and names
// each by its sha256; Redundancy then RS-encodes each segment and computes the fid.
func deossProcess(path string) ([]segment, string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", err
	}
	if st.Size() <= 0 {
		return nil, "", errors.New("FillingAndCutting: file is empty")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	count := st.Size() / segmentSize
	if st.Size()%segmentSize != 0 {
		count++
	}
	segs := []segment{}
	buf := make([]byte, segmentSize)
	for i := int64(0); i < count; i++ {
		if _, err := f.Seek(segmentSize*i, 0); err != nil {
			return nil, "", err
		}
		n, err := f.Read(buf)
		if err != nil && err != io.EOF {
			return nil, "", err
		}
		if n < segmentSize {
			copy(buf[n:], make([]byte, segmentSize-n))
		}
		frags, err := fragments(buf)
		if err != nil {
			return nil, "", err
		}
		segs = append(segs, segment{Hash: sha256Hex(buf), Fragments: frags})
	}
	hashes := make([]string, len(segs))
	for i, s := range segs {
		hashes[i] = s.Hash
	}
	fid, err := deossFid(hashes)
	return segs, fid, err
}

// deossFid: one segment -> sha256(raw || raw) (hashtree.BuildSimpleMerkelRootHash); more ->
// hashtree.BuildMerkelRootHash: pair neighbours, hash raw(a)||raw(b), an odd last one is
// hashed with itself, repeat until one hash is left.
func deossFid(hashes []string) (string, error) {
	if len(hashes) == 0 {
		return "", errors.New("empty segment hash")
	}
	if len(hashes) == 1 {
		b, _ := hex.DecodeString(hashes[0])
		return sha256Hex(append(b, b...)), nil
	}
	return merkle(hashes), nil
}

func merkle(level []string) string {
	if len(level) == 1 {
		return level[0]
	}
	next := []string{}
	for i := 0; i < len(level); i += 2 {
		a, _ := hex.DecodeString(level[i])
		b := a
		if i+1 < len(level) {
			b, _ = hex.DecodeString(level[i+1])
		}
		next = append(next, sha256Hex(append(append([]byte{}, a...), b...)))
	}
	return merkle(next)
}

type fileVector struct {
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Segments  []segment `json:"segments"`
	Cd2nFid   string    `json:"cd2nFid"`
	DeossFid  *string   `json:"deossFid"`
	DeossNote string    `json:"deossNote,omitempty"`
}

type fidVector struct {
	Hashes   []string `json:"hashes"`
	Cd2nFid  string   `json:"cd2nFid"`
	DeossFid *string  `json:"deossFid"`
}

type rsVector struct {
	ShardSize int      `json:"shardSize"`
	Shards    []string `json:"shards"`
}

type output struct {
	Comment          string       `json:"comment"`
	Generator        string       `json:"generator"`
	Reedsolomon      string       `json:"reedsolomon"`
	ParityMatrix     [][]int      `json:"parityMatrix"`
	ZeroFragmentHash string       `json:"zeroFragmentHash"`
	RS               []rsVector   `json:"rs"`
	FidFromHashes    []fidVector  `json:"fidFromHashes"`
	Files            []fileVector `json:"files"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	out := output{
		Comment:     "Generated by tools/fid-vectors/main.go (Go, klauspost/reedsolomon); do not edit.",
		Generator:   "byte i of each input = (i*31+7) mod 251",
		Reedsolomon: "github.com/klauspost/reedsolomon New(4, 8), default options (Debian golang-github-klauspost-reedsolomon-dev 1.9.13)",
	}

	enc, err := reedsolomon.New(dataShards, parityShards)
	if err != nil {
		return err
	}
	// The parity matrix, read back by encoding unit vectors: parity row i, column j is
	// parity shard i when data shard j is [1] and the others are [0].
	out.ParityMatrix = make([][]int, parityShards)
	for i := range out.ParityMatrix {
		out.ParityMatrix[i] = make([]int, dataShards)
	}
	for j := 0; j < dataShards; j++ {
		shards := make([][]byte, dataShards+parityShards)
		for k := range shards {
			shards[k] = make([]byte, 1)
		}
		shards[j][0] = 1
		if err := enc.Encode(shards); err != nil {
			return err
		}
		for i := 0; i < parityShards; i++ {
			out.ParityMatrix[i][j] = int(shards[dataShards+i][0])
		}
	}
	out.ZeroFragmentHash = sha256Hex(make([]byte, fragmentSize))

	// Small encodes on odd shard sizes, to test the encoder's tail handling.
	for _, size := range []int{1, 3, 37, 1031} {
		data := make([]byte, size*dataShards)
		for i := range data {
			data[i] = genByte(int64(i))
		}
		shards, err := enc.Split(data)
		if err != nil {
			return err
		}
		if err := enc.Encode(shards); err != nil {
			return err
		}
		v := rsVector{ShardSize: size}
		for _, s := range shards {
			v.Shards = append(v.Shards, hex.EncodeToString(s))
		}
		out.RS = append(out.RS, v)
	}

	// fids from given segment-hash lists, to cover the Merkle pairing rules.
	for n := 0; n <= 9; n++ {
		v := fidVector{Hashes: []string{}}
		for i := 0; i < n; i++ {
			v.Hashes = append(v.Hashes, sha256Hex([]byte(fmt.Sprintf("cess-sync fid vector %d", i))))
		}
		v.Cd2nFid = cd2nFid(v.Hashes)
		if d, err := deossFid(v.Hashes); err == nil {
			v.DeossFid = &d
		}
		out.FidFromHashes = append(out.FidFromHashes, v)
	}

	dir, err := os.MkdirTemp("", "fid-vectors")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	inputs := []struct {
		name string
		size int64
	}{
		{"empty", 0},
		{"one-byte", 1},
		{"fragment-plus-3", fragmentSize + 3},
		{"one-segment", segmentSize},
		{"segment-plus-1", segmentSize + 1},
		{"70MiB", 70 * mib},
	}
	for _, in := range inputs {
		p, err := writeInput(dir, in.name, in.size)
		if err != nil {
			return err
		}
		segs, cfid, err := cd2nProcess(p)
		if err != nil {
			return fmt.Errorf("%s: cd2n: %w", in.name, err)
		}
		v := fileVector{Name: in.name, Size: in.size, Segments: segs, Cd2nFid: cfid}
		dsegs, dfid, err := deossProcess(p)
		if err != nil {
			v.DeossNote = err.Error()
		} else {
			v.DeossFid = &dfid
			a, _ := json.Marshal(segs)
			b, _ := json.Marshal(dsegs)
			if !bytes.Equal(a, b) {
				return fmt.Errorf("%s: CD2N and DeOSS segments differ", in.name)
			}
		}
		out.Files = append(out.Files, v)
		os.Remove(p)
	}

	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}
