package sheets

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
)

// A sheet's part is compressed in three pieces, so that its rows, the bulk
// of the workbook, are compressed while they are written rather than all
// at once when it is committed: the part's start (what excelize writes
// before the sheetData, known only then), the rows, and its end. Each
// piece is a deflate stream of its own ended by a sync flush (byte
// aligned, not final) but the last, which is closed: one after the other
// they are one deflate stream, which the archive takes as it is
// (zip.Writer.CreateRaw), with the part's CRC-32 made from the pieces'.

// deflated compresses text into a piece of a part, with fw at
// flate.BestSpeed: a final one (closed) or not (flushed).
func deflated(fw *flate.Writer, text []byte, final bool) ([]byte, error) {
	var b bytes.Buffer
	fw.Reset(&b)
	if _, err := fw.Write(text); err != nil {
		return nil, err
	}
	var err error
	if final {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	return b.Bytes(), err
}

// writeRawPart adds part name to the archive: start, the rows compressed
// in rows (of crc and size as they were before), then end.
func writeRawPart(zw *zip.Writer, fw *flate.Writer, name string, start, end []byte, rows *sheetRows) error {
	head, err := deflated(fw, start, false)
	if err != nil {
		return err
	}
	tail, err := deflated(fw, end, true)
	if err != nil {
		return err
	}
	packed, err := rows.f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := rows.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	crc := crc32.ChecksumIEEE(start)
	crc = crc32Combine(crc, rows.crc, rows.size)
	crc = crc32.Update(crc, crc32.IEEETable, end)
	out, err := zw.CreateRaw(&zip.FileHeader{
		Name:               name,
		Method:             zip.Deflate,
		CreatorVersion:     20,
		ReaderVersion:      20,
		CRC32:              crc,
		CompressedSize64:   uint64(len(head)) + uint64(packed) + uint64(len(tail)),
		UncompressedSize64: uint64(len(start)) + uint64(rows.size) + uint64(len(end)),
	})
	if err != nil {
		return err
	}
	if _, err := out.Write(head); err != nil {
		return err
	}
	if _, err := io.Copy(out, rows.f); err != nil {
		return err
	}
	_, err = out.Write(tail)
	return err
}

// crc32Combine returns the CRC-32 (IEEE) of a text whose first part has
// crc1 and whose second part, of n bytes, has crc2: crc1 run through n
// zero bytes, by squaring the operator of one zero bit (GF(2) matrices,
// one per bit of the CRC), then added to crc2.
func crc32Combine(crc1, crc2 uint32, n int64) uint32 {
	if n <= 0 {
		return crc1
	}
	var odd, even [32]uint32 // odd: the operator of an odd power of two zero bits
	odd[0] = 0xedb88320      // the reversed IEEE polynomial: one zero bit
	for i, row := 1, uint32(1); i < 32; i, row = i+1, row<<1 {
		odd[i] = row
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four
	for {
		gf2Square(&even, &odd) // one zero byte, then 4, 16, … zero bytes
		if n&1 != 0 {
			crc1 = gf2Times(&even, crc1)
		}
		if n >>= 1; n == 0 {
			break
		}
		gf2Square(&odd, &even) // 2, 8, 32, … zero bytes
		if n&1 != 0 {
			crc1 = gf2Times(&odd, crc1)
		}
		if n >>= 1; n == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

// gf2Times multiplies vector v by matrix m.
func gf2Times(m *[32]uint32, v uint32) uint32 {
	var sum uint32
	for i := 0; v != 0; i, v = i+1, v>>1 {
		if v&1 != 0 {
			sum ^= m[i]
		}
	}
	return sum
}

// gf2Square sets square to m times m.
func gf2Square(square, m *[32]uint32) {
	for i := range m {
		square[i] = gf2Times(m, m[i])
	}
}
