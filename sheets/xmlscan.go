package sheets

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// xmlScanner is a minimal pull tokenizer for the XML parts of a workbook.
// It reads tags one at a time and, on request, the text before each tag;
// it does not check that the document is well formed, resolve namespaces
// or decode attribute values. Worksheets are large and regular, and this
// is the part of reading a workbook where time goes: a scanner that looks
// at tags as bytes is many times faster than encoding/xml's tokenizer.
//
// Comments, CDATA sections and processing instructions are returned as
// tags whose names start with '!' or '?'.
type xmlScanner struct {
	br       *bufio.Reader
	keepText bool   // collect the text before the next tag into text
	text     []byte // raw text before the current tag, when keepText was set
	tag      []byte // the current tag, without its angle brackets
}

// maxTagLen bounds one tag, and maxTextLen one run of text, so that a
// damaged file cannot make the scanner buffer the rest of the archive.
const (
	maxTagLen  = 1 << 20
	maxTextLen = 1 << 20
)

var (
	errTagTooLong  = errors.New("the XML has a tag longer than 1 MiB")
	errTextTooLong = errors.New("the XML has a text longer than 1 MiB")
)

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{br: bufio.NewReaderSize(r, 64<<10)}
}

// next reads the next tag. It returns io.EOF at the end of the input.
func (x *xmlScanner) next() error {
	x.text = x.text[:0]
	for {
		chunk, err := x.br.ReadSlice('<')
		if x.keepText {
			if err == nil {
				chunk = chunk[:len(chunk)-1] // drop '<'
			}
			x.text = append(x.text, chunk...)
			if len(x.text) > maxTextLen {
				return errTextTooLong
			}
		}
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return err
		}
	}
	x.tag = x.tag[:0]
	for {
		chunk, err := x.br.ReadSlice('>')
		x.tag = append(x.tag, chunk...)
		if len(x.tag) > maxTagLen {
			return errTagTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if tagComplete(x.tag) {
			x.tag = x.tag[:len(x.tag)-1] // drop '>'
			return nil
		}
	}
}

// name returns the local name of the current tag (the part after any
// namespace prefix), whether it is a closing tag, and whether it closes
// itself.
func (x *xmlScanner) name() (name []byte, closing, empty bool) {
	tag := x.tag
	if len(tag) > 0 && tag[0] == '/' {
		closing, tag = true, tag[1:]
	}
	empty = len(tag) > 0 && tag[len(tag)-1] == '/'
	end := 0
	for end < len(tag) && !isSpace(tag[end]) && tag[end] != '/' {
		end++
	}
	name = tag[:end]
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return name, closing, empty
}

// cdata returns the content of the current tag if it is a CDATA section.
func (x *xmlScanner) cdata() ([]byte, bool) {
	const open, close = "![CDATA[", "]]"
	if !bytes.HasPrefix(x.tag, []byte(open)) || !bytes.HasSuffix(x.tag, []byte(close)) || len(x.tag) < len(open)+len(close) {
		return nil, false
	}
	return x.tag[len(open) : len(x.tag)-len(close)], true
}

// tagComplete reports whether t, which ends in '>', is a whole tag: not a
// comment, CDATA section or processing instruction still open, and not
// inside a quoted attribute value.
func tagComplete(t []byte) bool {
	switch {
	case bytes.HasPrefix(t, []byte("!--")):
		return len(t) >= 6 && bytes.HasSuffix(t, []byte("-->"))
	case bytes.HasPrefix(t, []byte("![CDATA[")):
		return bytes.HasSuffix(t, []byte("]]>"))
	case bytes.HasPrefix(t, []byte("?")):
		return len(t) >= 3 && bytes.HasSuffix(t, []byte("?>"))
	}
	var quote byte
	for _, c := range t {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return quote == 0
}

// refTypeStyle returns the values of the current tag's r, t and s
// attributes (nil when absent), reading the attributes once. Values are
// raw: these attributes never hold entities.
func (x *xmlScanner) refTypeStyle() (r, t, s []byte) {
	i := 0
	for i < len(x.tag) && !isSpace(x.tag[i]) {
		i++
	}
	rest := x.tag[i:]
	for {
		rest = trimLeftSpace(rest)
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 {
			return r, t, s
		}
		key := rest[:eq]
		for len(key) > 0 && isSpace(key[len(key)-1]) {
			key = key[:len(key)-1]
		}
		rest = trimLeftSpace(rest[eq+1:])
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return r, t, s
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return r, t, s
		}
		val := rest[1 : 1+end]
		rest = rest[2+end:]
		if len(key) == 1 {
			switch key[0] {
			case 'r':
				r = val
			case 't':
				t = val
			case 's':
				s = val
			}
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// trimLeftSpace drops leading white space and a stray '/'.
func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (isSpace(b[0]) || b[0] == '/') {
		b = b[1:]
	}
	return b
}

// appendText appends XML character data to dst as the text it stands for:
// line breaks normalised (CR LF and lone CR become LF, as XML requires)
// and, unless raw (a CDATA section), the predefined entities and character
// references decoded. An unknown or malformed reference is kept as is.
func appendText(dst, src []byte, raw bool) []byte {
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\r':
			dst = append(dst, '\n')
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
		case c == '&' && !raw:
			end := bytes.IndexByte(src[i:min(len(src), i+12)], ';')
			if r, ok := entity(src[i+1 : i+max(end, 1)]); end > 1 && ok {
				dst = utf8.AppendRune(dst, r)
				i += end
				continue
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// entity returns the character an entity or character reference (without
// & and ;) stands for.
func entity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	base, digits := 10, name[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// unescapeXstring decodes the escapes of the workbook string type
// (ECMA-376 ST_Xstring): _xHHHH_ stands for the UTF-16 code unit HHHH
// (characters XML cannot hold, such as _x0008_), and _x005F_ for an
// underscore, which is how a literal "_x0041_" is stored (_x005F_x0041_).
// Escapes are read left to right without overlapping; a surrogate pair is
// joined; a lone surrogate is kept as written.
func unescapeXstring(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		u, ok := xstringUnit(s[i:])
		if !ok {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch {
		case utf16.IsSurrogate(rune(u)):
			if u2, ok := xstringUnit(s[i+7:]); ok && u < 0xDC00 {
				if r := utf16.DecodeRune(rune(u), rune(u2)); r != utf8.RuneError {
					b.WriteRune(r)
					i += 14
					continue
				}
			}
			b.WriteString(s[i : i+7])
		default:
			b.WriteRune(rune(u))
		}
		i += 7
	}
	return b.String()
}

// unescapeXbytes is unescapeXstring for bytes, returning b itself (not a
// copy) when it holds no escape.
func unescapeXbytes(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	return []byte(unescapeXstring(string(b)))
}

// xstringUnit reads an escape _xHHHH_ at the start of s.
func xstringUnit(s string) (uint16, bool) {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil {
		return 0, false
	}
	return uint16(n), true
}
