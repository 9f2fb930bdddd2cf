// Command newman measures telegent-bulk against Postman's Newman on the same
// migration (make bench-newman). It writes, for -lines lines of one account,
// one subscriber and one new number with a subscription each (plus the one
// message route every number needs):
//
//   - manifest/: the CSV manifest telegent-bulk runs;
//   - collection.json and data.csv: a Postman collection and its iteration
//     data making the same calls with the same bodies, one iteration per
//     line: account create, subscriber create, number provision,
//     subscription create, each with a bearer token fetched for the
//     request's own endpoint URL and kept until shortly before it expires,
//     as telegent-bulk keeps its tokens; the message route is created by
//     the first iteration.
//
// With -newman (the newman executable) and -bin (telegent-bulk) it then
// runs each against a fresh `telegent-bulk sandbox --latency 50ms` of its
// own, one Newman process first, then telegent-bulk run at its defaults,
// and prints the wall time of each, the calls each made (from the
// sandbox's /_sandbox/stats) and the ratio of the two times.
//
//	go run ./samples/newman -lines 1000 -dir /tmp/nm -newman node_modules/.bin/newman -bin bin/telegent-bulk
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The preloaded package every subscription takes (the sandbox's Starter 1GB).
const packageID = "PID-5a1e0000-0000-4000-8000-000000000001"

// The sandbox's credentials.
const accountKey, accountSecret = "sandbox-key", "sandbox-secret"

type options struct {
	lines   int
	dir     string
	newman  string
	bin     string
	latency time.Duration
}

func main() {
	var o options
	flag.IntVar(&o.lines, "lines", 1000, "lines of the migration")
	flag.StringVar(&o.dir, "dir", "", "folder to write into (required)")
	flag.StringVar(&o.newman, "newman", "", "the newman executable; empty: only write the files")
	flag.StringVar(&o.bin, "bin", "bin/telegent-bulk", "the telegent-bulk executable")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "the sandbox's latency")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "newman:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.dir == "" || o.lines < 1 {
		return errors.New("-dir DIR and -lines N >= 1 are required")
	}
	if err := os.MkdirAll(filepath.Join(o.dir, "manifest"), 0o755); err != nil {
		return err
	}
	ls := makeLines(o.lines)
	if err := writeManifest(filepath.Join(o.dir, "manifest"), ls); err != nil {
		return err
	}
	if err := writeData(filepath.Join(o.dir, "data.csv"), ls); err != nil {
		return err
	}
	if err := writeCollection(filepath.Join(o.dir, "collection.json")); err != nil {
		return err
	}
	fmt.Printf("wrote %d lines: %s/manifest/, %s/collection.json, %s/data.csv\n", o.lines, o.dir, o.dir, o.dir)
	if o.newman == "" {
		return nil
	}
	return compare(o)
}

// line is one line of the migration.
type line struct {
	ref, accountName, street, city, state, zip string
	email, name, password                      string
	areaCode                                   string
}

func makeLines(n int) []line {
	cities := []struct{ city, state, zip, area string }{
		{"Salt Lake City", "UT", "84111", "801"}, {"Ogden", "UT", "84401", "385"},
		{"San Francisco", "CA", "94107", "415"}, {"Denver", "CO", "80202", "303"},
	}
	ls := make([]line, n)
	for i := range ls {
		c := cities[i%len(cities)]
		ls[i] = line{
			ref:         fmt.Sprintf("ACC-%06d", i),
			accountName: fmt.Sprintf("Household %06d", i),
			street:      fmt.Sprintf("%d Main St", 100+i%900),
			city:        c.city, state: c.state, zip: c.zip,
			email:    fmt.Sprintf("line.%06d@example.com", i),
			name:     fmt.Sprintf("Line Holder %06d", i),
			password: fmt.Sprintf("Pw-%06dx", i),
			areaCode: c.area,
		}
	}
	return ls
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// writeManifest writes the CSV manifest of the lines: one account, one
// subscriber (its Manager) and one new Sms+Data number with a subscription
// per line, and one message route (on the first account) for every number.
func writeManifest(dir string, ls []line) error {
	accounts := [][]string{{"AccountRef", "AccountName", "BillingStreet1", "BillingCity", "BillingState", "BillingZip", "BillingCountry"}}
	subscribers := [][]string{{"Email", "Name", "AccountRef", "Role", "Password"}}
	numbers := [][]string{{"LineRef", "SubscriberEmail", "AccountRef", "MessageRouteRef", "NumberType", "MessageType", "ProductType", "AreaCode", "Package"}}
	for i, l := range ls {
		accounts = append(accounts, []string{l.ref, l.accountName, l.street, l.city, l.state, l.zip, "USA"})
		subscribers = append(subscribers, []string{l.email, l.name, l.ref, "Manager", l.password})
		numbers = append(numbers, []string{fmt.Sprintf("LN-%06d", i), l.email, l.ref, "sms", "mvno", "p2p", "Sms+Data", l.areaCode, packageID})
	}
	routes := [][]string{
		{"RouteRef", "AccountRef", "RouteName", "MessageUrl", "MessageUrlMethod", "MessageRouteEnabled"},
		{"sms", ls[0].ref, "Bench sms", "https://sms.example.com/in", "POST", "yes"},
	}
	for name, rows := range map[string][][]string{"accounts.csv": accounts, "subscribers.csv": subscribers,
		"messageroutes.csv": routes, "numbers.csv": numbers} {
		if err := writeCSV(filepath.Join(dir, name), rows); err != nil {
			return err
		}
	}
	return nil
}

// writeData writes the collection's iteration data: one row per line.
func writeData(path string, ls []line) error {
	rows := [][]string{{"accountName", "street", "city", "state", "zip", "email", "name", "password", "areaCode"}}
	for _, l := range ls {
		rows = append(rows, []string{l.accountName, l.street, l.city, l.state, l.zip, l.email, l.name, l.password, l.areaCode})
	}
	return writeCSV(path, rows)
}

// authScript, the collection's pre-request script, puts a bearer token for
// the request's own endpoint URL on every request but the token request:
// fetched once per URL, kept for four minutes (the sandbox's tokens last
// five), as telegent-bulk does.
const authScript = `
const url = pm.variables.replaceIn(pm.request.url.toString()).split('?')[0];
if (!url.toLowerCase().endsWith('/v1.0/oauth2/tokens')) {
  const key = 'token ' + url;
  const until = Number(pm.collectionVariables.get(key + ' until') || 0);
  if (Date.now() < until) {
    pm.request.headers.upsert({key: 'Authorization', value: 'Bearer ' + pm.collectionVariables.get(key)});
  } else {
    pm.sendRequest({
      url: pm.collectionVariables.get('base') + '/v1.0/oauth2/tokens',
      method: 'POST',
      header: {'Content-Type': 'application/json'},
      body: {mode: 'raw', raw: JSON.stringify({
        AccountKey: pm.collectionVariables.get('accountKey'),
        AccountSecret: pm.collectionVariables.get('accountSecret'),
        ApiEndpoint: url})}
    }, (err, res) => {
      if (err || res.code !== 200) { throw new Error('token request failed'); }
      const tok = res.json().token;
      pm.collectionVariables.set(key, tok);
      pm.collectionVariables.set(key + ' until', String(Date.now() + 240000));
      pm.request.headers.upsert({key: 'Authorization', value: 'Bearer ' + tok});
    });
  }
}
`

type script struct {
	Listen string `json:"listen"`
	Script struct {
		Type string   `json:"type"`
		Exec []string `json:"exec"`
	} `json:"script"`
}

func newScript(listen, src string) script {
	s := script{Listen: listen}
	s.Script.Type = "text/javascript"
	s.Script.Exec = []string{src}
	return s
}

type item struct {
	Name    string   `json:"name"`
	Event   []script `json:"event,omitempty"`
	Request struct {
		Method string              `json:"method"`
		Header []map[string]string `json:"header"`
		URL    string              `json:"url"`
		Body   struct {
			Mode string `json:"mode"`
			Raw  string `json:"raw"`
		} `json:"body"`
	} `json:"request"`
}

// post returns a POST of body to path; save, if not empty, is a test script
// that checks the answer is a 200 and keeps some of its fields.
func post(name, path, body, save string) item {
	var it item
	it.Name = name
	it.Request.Method = "POST"
	it.Request.Header = []map[string]string{{"key": "Content-Type", "value": "application/json"}}
	it.Request.URL = "{{base}}" + path
	it.Request.Body.Mode = "raw"
	it.Request.Body.Raw = body
	it.Event = []script{newScript("test", "pm.test('200', () => pm.response.to.have.status(200));\nconst j = pm.response.json();\n"+save)}
	return it
}

// writeCollection writes the Postman collection (format v2.1).
func writeCollection(path string) error {
	route := post("message route (first iteration)", "/v1.0/message/routes",
		`{"RouteName":"Bench sms","MessageUrl":"https://sms.example.com/in","MessageUrlMethod":"POST","MessageRouteEnabled":true,"AccountId":"{{accountId}}"}`,
		"pm.collectionVariables.set('routeId', j.MessageRouteId);")
	route.Event = append(route.Event, newScript("prerequest", "if (pm.info.iteration > 0) { pm.execution.skipRequest(); }"))
	items := []item{
		post("account create", "/v1.0/account/create",
			`{"AccountName":"{{accountName}}","BillingAddress":{"Street1":"{{street}}","City":"{{city}}","State":"{{state}}","Zip":"{{zip}}","Country":"USA"}}`,
			"pm.collectionVariables.set('accountId', j.AccountId);"),
		route,
		post("subscriber create", "/v1.0/subscribers/create",
			`{"Name":"{{name}}","Email":"{{email}}","PhoneNumbers":[],"Role":"Manager","Password":"{{password}}","AccountId":"{{accountId}}"}`,
			"pm.collectionVariables.set('subscriberId', j.SubscriberId);"),
		post("number provision", "/v1.0/numbers/provision",
			`{"NumberType":"mvno","MessageType":"p2p","MessageEnabled":true,"VoiceEnabled":false,"DataEnabled":true,"ProductType":"Sms+Data","MessageRouteId":"{{routeId}}","AreaCode":"{{areaCode}}","AssignedSubscriberId":"{{subscriberId}}","AccountId":"{{accountId}}"}`,
			"pm.collectionVariables.set('phoneNumberId', j.PhoneNumberId);"),
		post("subscription create", "/v1.0/subscriptions",
			`{"SubscriberId":"{{subscriberId}}","PackageId":"`+packageID+`","Type":"mvno","TNID":"{{phoneNumberId}}"}`, ""),
	}
	col := map[string]any{
		"info": map[string]any{
			"name":   "telegent-bulk migration, one line per iteration",
			"schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
		},
		"event": []script{newScript("prerequest", authScript)},
		"variable": []map[string]string{
			{"key": "base", "value": "http://127.0.0.1:8765"},
			{"key": "accountKey", "value": accountKey},
			{"key": "accountSecret", "value": accountSecret},
		},
		"item": items,
	}
	b, err := json.MarshalIndent(col, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// itoa is strconv.Itoa, for the flags of the processes started.
func itoa(n int) string { return strconv.Itoa(n) }
