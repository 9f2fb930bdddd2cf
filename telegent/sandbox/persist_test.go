package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"telegent-bulk/telegent"
)

func TestDataFileSurvivesCloseAndNew(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.db")
	opts := Options{Seed: 5, DataFile: file, PortStep: time.Hour, TokenTTL: 1000 * time.Hour}

	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := serve(t, s1)
	f := c1.fixture()
	p := c1.provision(f)
	c1.mustPost(telegent.PathSubscriptions, telegent.SubscriptionCreateRequest{SubscriberId: f.subscriber, PackageId: packages[0].PackageId, Type: "mvno", TNID: p.PhoneNumberId}, nil)
	c1.mustPost(telegent.PathMessageFilter, telegent.MessageFilterRequest{SubscriberId: f.subscriber, Phone: p.PhoneNumberAssigned}, nil)
	c1.mustPost(telegent.PathPortOut, telegent.PortOutRequest{PortOutNumber: "+13855550100", PortOutPIN: "1234"}, nil)
	var port telegent.PortInResponse
	c1.mustPost(telegent.PathPortIn, portInRequest("+18015559912"), &port)
	s1.Advance(2 * time.Hour) // rejected PIN_INVALID
	before := c1.stateJSON()
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("second New on an open data file: %v, want an error saying it is in use", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c2 := serve(t, s2)
	c2.tokens = c1.tokens // tokens are signed with the file's key, so they still work
	if after := c2.stateJSON(); !bytes.Equal(before, after) {
		t.Errorf("state after reopening differs:\nbefore %s\nafter  %s", before, after)
	}
	if s2.Now().Before(time.Now().Add(time.Hour)) {
		t.Errorf("virtual clock %v lost its advance", s2.Now())
	}
	wantOrder(t, c2, port.OrderId, "Rejected", "PIN_INVALID", 1)
	c2.mustPost(telegent.PathPortInUpdate, telegent.PortInUpdateRequest{OrderId: port.OrderId, CurrentAccountPassword: "0550"}, nil)
	wantOrder(t, c2, port.OrderId, "Pending Carrier Approval", "", 1) // the same PIN is no fix, also after a restart
	if status, _ := c2.post(telegent.PathSubscriberCreate, telegent.SubscriberCreateRequest{Name: "A", Email: "ann1@example.com", PhoneNumbers: []string{}, Role: "Subscriber", Password: "x", AccountId: f.account}, nil); status != http.StatusConflict {
		t.Errorf("duplicate email after reopening: %d, want 409 (indexes rebuilt)", status)
	}

	// The ID generator carries on where it stopped instead of replaying the seed.
	var old State
	json.Unmarshal(before, &old)
	var a telegent.Account
	c2.mustPost(telegent.PathAccountCreate, telegent.AccountCreateRequest{AccountName: "after"}, &a)
	if slices.ContainsFunc(old.Accounts, func(x telegent.Account) bool { return x.AccountId == a.AccountId }) {
		t.Errorf("new account reused the ID %s", a.AccountId)
	}
}

// TestHelperSandboxProcess is not a test: TestDataFileSurvivesKill runs the
// test binary with it to get a sandbox process it can kill.
func TestHelperSandboxProcess(t *testing.T) {
	file := os.Getenv("SANDBOX_HELPER_DATA_FILE")
	if file == "" {
		t.Skip("helper process for TestDataFileSurvivesKill")
	}
	s, err := New(Options{Seed: 9, DataFile: file})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	http.Serve(ln, s) // until killed
}

func TestDataFileSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	file := filepath.Join(t.TempDir(), "sandbox.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSandboxProcess$")
	cmd.Env = append(os.Environ(), "SANDBOX_HELPER_DATA_FILE="+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(addr, "error") {
		t.Fatalf("helper process: %q %v", addr, err)
	}
	c := &client{t: t, base: "http://" + strings.TrimSpace(addr), hc: &http.Client{Timeout: 10 * time.Second}, tokens: map[string]string{}}
	f := c.fixture()
	p := c.provision(f)
	var port telegent.PortInResponse
	c.mustPost(telegent.PathPortIn, portInRequest("+18015550999"), &port)

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred call, no Close
		t.Fatal(err)
	}
	cmd.Wait()

	s, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	has := func(what string, ok bool) {
		if !ok {
			t.Errorf("after kill -9 the data file lacks %s", what)
		}
	}
	has("the account", slices.ContainsFunc(st.Accounts, func(a telegent.Account) bool { return a.AccountId == f.account }))
	has("the subscriber", slices.ContainsFunc(st.Subscribers, func(s telegent.Subscriber) bool { return s.SubscriberId == f.subscriber }))
	has("the routes", len(st.MessageRoutes) == 1 && len(st.VoiceRoutes) == 1)
	has("the provisioned number", slices.ContainsFunc(st.Numbers, func(n telegent.Number) bool { return n.PhoneNumberId == p.PhoneNumberId }))
	has("the port-in order", slices.ContainsFunc(st.Orders, func(o telegent.OrderDetails) bool { return o.OrderId == port.OrderId }))
}
