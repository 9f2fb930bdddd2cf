package sheets

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// scanned is one row as the scanner saw it: its number and the cells
// present, by column.
type scanned struct {
	Row   int
	Cells map[int]rawCell
}

func scanAll(t *testing.T, xml string) ([]scanned, error) {
	t.Helper()
	s := newRowScanner(strings.NewReader(xml))
	var rows []scanned
	for i := 0; s.next(); i++ {
		if i > 1000 {
			t.Fatal("scanner does not stop")
		}
		r := scanned{Row: s.row, Cells: map[int]rawCell{}}
		for col, c := range s.cells {
			if c.present {
				r.Cells[col] = c
			}
		}
		rows = append(rows, r)
	}
	return rows, s.Err()
}

// num is a number cell holding v.
func num(v string) rawCell { return rawCell{present: true, value: true, text: v} }

func TestRowScanner(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		want []scanned
	}{
		{
			name: "types, styles, formulas, values",
			xml: `<?xml version="1.0"?><worksheet><sheetData>` +
				`<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" s="4"><v>1.5</v></c></row>` +
				`<row r="3"><c r="B3" t="str"><f>A1&amp;"x"</f><v>a&amp;x</v></c><c r="D3"><f>1+2</f></c>` +
				`<c r="E3" s="2"/><c r="F3" t="str"><f>""</f><v></v></c><c r="G3"><v/></c></row>` +
				`</sheetData><extLst><row r="99"><c r="A99"/></row></extLst></worksheet>`,
			want: []scanned{
				{1, map[int]rawCell{
					0: {present: true, typ: "s", value: true, text: "0"},
					2: {present: true, style: 4, value: true, text: "1.5"},
				}},
				{3, map[int]rawCell{
					1: {present: true, typ: "str", formula: true, value: true, text: "a&x"},
					3: {present: true, formula: true},
					4: {present: true, style: 2},
					5: {present: true, typ: "str", formula: true, value: true},
					6: {present: true, value: true},
				}},
			},
		},
		{
			name: "inline strings: runs joined, phonetic runs left out",
			xml: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> a &lt;b&gt; </t></is></c>` +
				`<c r="B1" t="inlineStr"><is><r><rPr><b/></rPr><t>Ann </t></r><r><t>Lee</t></r>` +
				`<rPh sb="0" eb="1"><t>アン</t></rPh><phoneticPr fontId="1"/></is></c>` +
				`<c r="C1" t="inlineStr"><is><t>line1&#10;line2&#xD;x</t></is></c>` +
				`<c r="D1" t="inlineStr"><is><t>a<![CDATA[<b> & c]]>d</t></is></c>` +
				`<c r="E1" t="inlineStr"><is><t/></is></c></row></sheetData>`,
			want: []scanned{{1, map[int]rawCell{
				0: {present: true, typ: "inlineStr", value: true, text: " a <b> "},
				1: {present: true, typ: "inlineStr", value: true, text: "Ann Lee"},
				2: {present: true, typ: "inlineStr", value: true, text: "line1\nline2\rx"},
				3: {present: true, typ: "inlineStr", value: true, text: "a<b> & cd"},
				4: {present: true, typ: "inlineStr", value: true},
			}}},
		},
		{
			name: "line breaks in text are normalised",
			xml:  "<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\r\nb\rc</t></is></c></row></sheetData>",
			want: []scanned{{1, map[int]rawCell{0: {present: true, typ: "inlineStr", value: true, text: "a\nb\nc"}}}},
		},
		{
			name: "no references: rows and columns follow document order",
			xml: `<sheetData><row><c><v>1</v></c><c t="b"><v>1</v></c></row>` +
				`<row><c r="C2"><v>1</v></c><c><v>2</v></c></row><row/><row r="7"/></sheetData>`,
			want: []scanned{
				{1, map[int]rawCell{0: num("1"), 1: {present: true, typ: "b", value: true, text: "1"}}},
				{2, map[int]rawCell{2: num("1"), 3: num("2")}},
				{3, map[int]rawCell{}},
				{7, map[int]rawCell{}},
			},
		},
		{
			name: "prefixes, comments, processing instructions, quoted > and odd spacing",
			xml: `<x:sheetData><!-- <row r="5"> --><x:row  r = '2' ><x:c r="A2" t='inlineStr' x:foo="a>b">` +
				`<x:is><x:t><![CDATA[<c r="Z9">]]></x:t></x:is></x:c>` +
				`<?pi <c r="Y9"?><x:c
				r="B2"
				s="7"><x:v>3</x:v></x:c></x:row></x:sheetData>`,
			want: []scanned{
				{2, map[int]rawCell{
					0: {present: true, typ: "inlineStr", value: true, text: `<c r="Z9">`},
					1: {present: true, style: 7, value: true, text: "3"},
				}},
			},
		},
		{
			name: "truncated file ends the rows read so far",
			xml:  `<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v>`,
			want: []scanned{
				{1, map[int]rawCell{0: num("1")}},
				{2, map[int]rawCell{0: num("2")}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanAll(t, tt.xml)
			if err != nil {
				t.Fatalf("scan error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scanned\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestRowScannerErrors(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		want string // in the error
	}{
		{"tag cut off", `<sheetData><row r="1"><c r="A1`, "unexpected EOF"},
		{"endless tag", `<sheetData><row r="` + strings.Repeat("9", 2*maxTagLen) + `">`, "tag longer"},
		{"endless text", `<sheetData><row r="1"><c><v>` + strings.Repeat("9", 2*maxTextLen) + `</v></c></row>`,
			"row 1: column A: the cell holds more than the 32,767 characters"},
		// A row or cell reference that is not one of a worksheet's is
		// quoted as written, never read as another row or column.
		{"row past the last", `<sheetData><row r="7"/><row r="4294967297"><c><v>1</v></c></row>`,
			`after row 7: row r="4294967297" is past row 1,048,576`},
		{"row one past the last", `<sheetData><row r="1048577"/>`, `row r="1048577" is past row 1,048,576`},
		{"row 0", `<sheetData><row r="0"/>`, `row r="0" is not a row number (want 1 to 1,048,576)`},
		{"negative row", `<sheetData><row r="-3"/>`, `row r="-3" is not a row number`},
		{"row not a number", `<sheetData><row r="x"/>`, `row r="x" is not a row number`},
		{"empty row number", `<sheetData><row r=""/>`, `row r="" is not a row number`},
		{"cell past XFD", `<sheetData><row r="5"><c r="A5"/><c r="XFE5"><v>1</v></c></row>`,
			`row 5: cell r="XFE5" is past column XFD, the last a worksheet has (Excel's limit of 16,384 columns)`},
		{"cell of four letters", `<sheetData><row r="5"><c r="ABCD5"><v>1</v></c></row>`, `cell r="ABCD5" is past column XFD`},
		{"cell past the last row", `<sheetData><row r="5"><c r="A2000000"><v>1</v></c></row>`, `cell r="A2000000" is past row 1,048,576`},
		{"malformed cell reference", `<sheetData><row r="2"><c r="1A"><v>1</v></c></row>`,
			`row 2: cell r="1A" is not a cell reference (want a column A to XFD and a row number, like B12)`},
		{"cell reference without a row", `<sheetData><row r="2"><c r="B"><v>1</v></c></row>`, `cell r="B" is not a cell reference`},
		{"more columns than XFD", `<sheetData><row r="3"><c r="XFD3"/><c><v>1</v></c></row>`,
			"row 3: more than the 16,384 columns a worksheet holds (Excel's limit: columns A to XFD)"},
		{"rows without numbers past the last", `<sheetData><row r="1048576"/><row/>`, "row 1048577: past the 1,048,576 rows a worksheet holds"},
		{"cell text in runs past the limit", `<sheetData><row r="4"><c r="C4" t="inlineStr"><is>` +
			strings.Repeat(`<r><t>`+strings.Repeat("x", 1000)+`</t></r>`, 33) + `</is></c></row>`,
			"row 4: column C: the cell holds 33,000 characters, more than the 32,767 one cell can hold (Excel's limit)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanAll(t, tt.xml)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestParseCellRef(t *testing.T) {
	tests := []struct {
		ref      string
		col, row int
		ok       bool
	}{
		{"A1", 0, 1, true}, {"Z9", 25, 9, true}, {"AA10", 26, 10, true}, {"az3", 51, 3, true},
		{"XFD1048576", 16383, 1048576, true}, {"XFE1", 16384, 1, true}, {"ABCD1", 1<<30 - 1, 1, true},
		{"A4294967297", 0, 4294967297, true},
		{"1A", 0, 0, false}, {"", 0, 0, false}, {"AB", 0, 0, false}, {"A0", 0, 0, false}, {"A-1", 0, 0, false},
		{"A1 ", 0, 0, false}, {"$A$1", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			col, row, ok := parseCellRef([]byte(tt.ref))
			if ok != tt.ok || (ok && (col != tt.col || row != tt.row)) {
				t.Errorf("parseCellRef(%q) = %d, %d, %v; want %d, %d, %v", tt.ref, col, row, ok, tt.col, tt.row, tt.ok)
			}
		})
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct {
		in   string
		raw  bool
		want string
	}{
		{"plain", false, "plain"},
		{"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", false, `a <b> & "c" 'd'`},
		{"&#65;&#x42;&#x1F600;", false, "AB😀"},
		{"&#xD;&#13;&#10;", false, "\r\r\n"},
		{"&unknown; &; & &#xZZ; &#x110000; &#", false, "&unknown; &; & &#xZZ; &#x110000; &#"},
		{"&amp;lt;", false, "&lt;"},
		{"a\r\nb\rc\n", false, "a\nb\nc\n"},
		{"&lt;\r\n", true, "&lt;\n"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(appendText(nil, []byte(tt.in), tt.raw)); got != tt.want {
				t.Errorf("appendText(%q, raw=%v) = %q, want %q", tt.in, tt.raw, got, tt.want)
			}
		})
	}
}

func TestUnescapeXstring(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"_x0041_", "A"},
		{"a_x000D_b", "a\rb"},
		{"_x005F_x0041_", "_x0041_"},
		{"_x005f_", "_"},
		{"_x00_", "_x00_"},
		{"_xZZZZ_", "_xZZZZ_"},
		{"_x0041", "_x0041"},
		{"_xD83D__xDE00_", "😀"},
		{"_xD83D_", "_xD83D_"},
		{"_xDE00__xD83D_", "_xDE00__xD83D_"},
		{"x_x0041__x0042_y", "xABy"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := unescapeXstring(tt.in); got != tt.want {
				t.Errorf("unescapeXstring(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzRowScanner(f *testing.F) {
	for _, seed := range []string{
		`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>a&amp;b</t></is></c></row></sheetData>`,
		`<row><c><f>1</f></c><c t="inlineStr"><is><r><t>x</t></r><rPh><t>y</t></rPh></is></c></row>`,
		`<row r="2"><c r="XFD2"><v><![CDATA[1]]></v></c></row><!-- c --><?p?>`,
		`<si><t>_x0041_&#x1F600;</t></si>`,
		`<row r='3'/><row><c r="A"/>`,
		`<<<>>>"'&;`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newRowScanner(bytes.NewReader(data))
		for n := 0; s.next(); n++ {
			if n > len(data) {
				t.Fatal("more rows than bytes")
			}
			if len(s.cells) > limits.columns {
				t.Fatalf("%d cells in a row", len(s.cells))
			}
			for _, c := range s.cells {
				_ = unescapeXstring(c.text)
			}
		}
	})
}
