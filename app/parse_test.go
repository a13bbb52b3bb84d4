package app

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// value parses "v: <src>" in a template with a few mappings and returns
// the rendered v and its list form.
func renderSrc(t *testing.T, src string) (string, bool, []string) {
	t.Helper()
	doc := "Mappings:\n  Same: {us-east-1: {v: a}, eu-west-1: {v: a}}\n  Diff: {us-east-1: {v: a}, eu-west-1: {v: b}}\n  Lit: {k: {v: lit}}\nv: " + src + "\n"
	root, err := parseDocument("t.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	r := &renderer{mappings: get(root, "Mappings")}
	s, ok := r.render(get(root, "v"))
	return s, ok, r.list(get(root, "v"), 0)
}

func TestShortFormTags(t *testing.T) {
	cases := []struct{ src, want string }{
		{"!Ref Stage", "${Stage}"},
		{"!Ref AWS::Region", "${AWS::Region}"},
		{"!GetAtt Table.Arn", "${Table.Arn}"},
		{"!GetAtt Table.StreamSpecification.StreamArn", "${Table.StreamSpecification.StreamArn}"},
		{"!GetAtt [Table, Arn]", "${Table.Arn}"},
		{"!Sub 'orders-api-${Stage}'", "orders-api-${Stage}"},
		{"!Sub ['${A}-${B}-${AWS::Region}', {A: !Ref Stage, B: !GetAtt Q.QueueName}]", "${Stage}-${Q.QueueName}-${AWS::Region}"},
		{"!Join ['', ['arn:', !Ref AWS::Partition, ':iam::aws:policy/X']]", "arn:${AWS::Partition}:iam::aws:policy/X"},
		{"!Join ['-', [a, !Sub 'b-${S}', !GetAtt X.Y]]", "a-b-${S}-${X.Y}"},
		{"!Select [1, [a, b, c]]", "b"},
		{"!Select [0, !Split [',', 'x,y']]", "x"},
		{"!FindInMap [Lit, k, v]", "lit"},
		{"!FindInMap [Same, !Ref AWS::Region, v]", "a"},
		{"!FindInMap [Diff, !Ref AWS::Region, v]", "${Fn::FindInMap:[Diff, ${AWS::Region}, v]}"},
		{"!ImportValue shared-vpc", "${Fn::ImportValue:shared-vpc}"},
		{"!If [IsProd, a, b]", "${Fn::If:[IsProd, a, b]}"},
		{"!Base64 hello", "${Fn::Base64:hello}"},
		{"!Cidr [10.0.0.0/16, 4, 8]", "${Fn::Cidr:[10.0.0.0/16, 4, 8]}"},
		{"!GetAZs ''", "${Fn::GetAZs:}"},
		{"!Equals [!Ref Stage, prod]", "${Fn::Equals:[${Stage}, prod]}"},
		{"!Not [!Condition IsProd]", "${Fn::Not:[${Condition:IsProd}]}"},
		{"!And [!Condition A, !Condition B]", "${Fn::And:[${Condition:A}, ${Condition:B}]}"},
		{"!Or [!Condition A, !Condition B]", "${Fn::Or:[${Condition:A}, ${Condition:B}]}"},
		{"!Select [5, [a]]", "${Fn::Select:[5, [a]]}"},
		{`{"Fn::Sub": "x-${Stage}"}`, "x-${Stage}"},
		{`{"Fn::GetAtt": ["Role", "Arn"]}`, "${Role.Arn}"},
		{"!Rain::Embed file.txt", "file.txt"},
		{"plain", "plain"},
	}
	for _, c := range cases {
		got, ok, _ := renderSrc(t, c.src)
		if !ok || got != c.want {
			t.Errorf("%s = %q (%v), want %q", c.src, got, ok, c.want)
		}
	}
	if _, ok, _ := renderSrc(t, "!Ref AWS::NoValue"); ok {
		t.Error("Ref AWS::NoValue rendered as present")
	}
	_, _, list := renderSrc(t, "[a, !If [C, b, !Ref AWS::NoValue], !Ref AWS::NoValue, !Sub '${X}']")
	if want := []string{"a", "b", "${X}"}; !reflect.DeepEqual(list, want) {
		t.Errorf("list = %q, want %q", list, want)
	}
	_, _, list = renderSrc(t, "arn:aws:s3:::b")
	if want := []string{"arn:aws:s3:::b"}; !reflect.DeepEqual(list, want) {
		t.Errorf("scalar list = %q, want %q", list, want)
	}
}

func TestRefTarget(t *testing.T) {
	for src, want := range map[string]string{
		"!Ref L":                  "L",
		"!GetAtt R.Arn":           "R",
		"!GetAtt [R, Arn]":        "R",
		"!Sub '${R.Arn}'":         "R",
		"!Sub 'arn:x:${R}'":       "",
		"arn:aws:iam::1:role/x":   "",
		`{"Fn::GetAtt": "R.Arn"}`: "R",
	} {
		root, err := parseDocument("t.yaml", []byte("v: "+src))
		if err != nil {
			t.Fatal(err)
		}
		if got := refTarget(get(root, "v")); got != want {
			t.Errorf("refTarget(%s) = %q, want %q", src, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line, col int
	}{
		{"bad.yaml", "Resources:\n  A: b\n    c: d\n", 3, 1},
		// The parser names the enclosing block (line 2); the mistake is
		// the line that breaks it, past a valid multi-line list.
		{"indent.yaml", "Resources:\n  Fn:\n    Type: x\n    Properties:\n      L: [1,\n        2]\n      A: 1\n\n  # c\n     bad: 2\n      D: 4\n", 10, 1},
		{"unclosed.yaml", "Resources:\n  Fn:\n    Properties:\n      A: 1\n      B: [1, 2\n      D: 4\n", 5, 1},
		{"bad.json", "{\n  \"Resources\": {\n    \"A\": [1, 2}\n  }\n}\n", 3, 15},
		{"trailing.json", "{\"a\": \"x\\/y\"} junk", 1, 15},
	}
	for _, c := range cases {
		_, err := parseDocument(c.name, []byte(c.src))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: error %v is not a ParseError", c.name, err)
		}
		if pe.File != c.name || pe.Line != c.line || pe.Col != c.col {
			t.Errorf("%s: at %s:%d:%d, want %s:%d:%d (%v)", c.name, pe.File, pe.Line, pe.Col, c.name, c.line, c.col, err)
		}
		if !strings.HasPrefix(err.Error(), c.name+":") {
			t.Errorf("%s: message %q does not start with the file", c.name, err)
		}
	}
	// JSON that YAML refuses ("\/") is read as JSON, with its lines.
	root, err := parseDocument("ok.json", []byte("{\n \"a\": \"x\\/y\",\n \"b\": [1]\n}"))
	if err != nil {
		t.Fatal(err)
	}
	if v := get(root, "a"); str(v) != "x/y" || v.Line != 2 {
		t.Errorf("a = %q at line %d", str(v), v.Line)
	}
	if b := get(root, "b"); b.Line != 3 || b.Content[0].Line != 3 {
		t.Errorf("b at line %d", b.Line)
	}
}

func TestAliases(t *testing.T) {
	root, err := parseDocument("a.yaml", []byte("base: &b\n  Action: !Ref X\nuse: *b\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := &renderer{}
	if got := r.str(get(get(root, "use"), "Action")); got != "${X}" {
		t.Errorf("alias of a tagged node = %q, want ${X}", got)
	}
	if get(root, "use").Line != 3 {
		t.Errorf("expanded alias at line %d, want the alias's line 3", get(root, "use").Line)
	}
}

func TestAliasBomb(t *testing.T) {
	bomb := `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	// Bounded work, measured without a clock: what refusing the bomb
	// allocates (expanded, it would be 9^9 nodes).
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := parseDocument("bomb.yaml", []byte(bomb))
	runtime.ReadMemStats(&after)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "alias") {
		t.Fatalf("billion laughs: err = %v, want an alias-expansion ParseError", err)
	}
	if pe.Line < 1 {
		t.Errorf("no line in %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", grew>>20)
	}
	// A self-referencing anchor never hangs.
	if _, err := parseDocument("cycle.yaml", []byte("a: &x [1, *x]\n")); err == nil {
		t.Error("self-referencing alias accepted")
	}
}

func TestSizeLimit(t *testing.T) {
	big := make([]byte, MaxDefinitionBytes+1)
	_, err := parseDocument("big.yaml", big)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "MiB") {
		t.Fatalf("oversized template: %v", err)
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", 1000) + strings.Repeat("]", 1000)
	if _, err := parseDocument("deep.json", []byte(deep)); err == nil {
		t.Error("1000 levels of nesting accepted")
	}
}
