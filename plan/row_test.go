package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

func TestGetDefaults(t *testing.T) {
	p := mustBuild(t, base().with("PortIns-iot", "PortInNumber|Action|TargetPortinClassification|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|SubscriberId|MessageRouteId",
		"801-555-2001||IOT|Old Co|1|0550|1 Main|Lehi|UT|84043|TSUID-1|MRID-1"))
	get := func(k Kind, key, col string) string {
		return p.Rows[rowByKey(t, p, k, key)].Get(col)
	}
	tests := []struct {
		kind           Kind
		key, col, want string
	}{
		{Accounts, "acme", "BillingCountry", "USA"},
		{Accounts, "acme", "BillingState", "UT"},
		{Accounts, "acme", "MailingStreet1", ""},
		{Subscribers, "jane@example.com", "Role", "Subscriber"},
		{Subscribers, "jane@example.com", "GuardianMessages", ""},
		{Subscribers, "kid@example.com", "FilterLevel", "CHILD"},
		{Subscribers, "kid@example.com", "GuardianMessages", "true"},
		{MessageRoutes, "sms", "MessageUrlMethod", "POST"},
		{VoiceRoutes, "sip", "RouteType", "Trunk"},
		{Numbers, "L1", "MessageEnabled", "true"}, // Sms+Data
		{Numbers, "L1", "DataEnabled", "true"},
		{Numbers, "L1", "VoiceEnabled", "false"},
		{Numbers, "L1", "SubscriptionType", "mvno"},
		{Numbers, "L1", "ValueUnit", "MB"},
		{Numbers, "L2", "VoiceEnabled", "true"},    // Sms+Data+Voice
		{Numbers, "L3", "MessageEnabled", "false"}, // Data-Only
		{Numbers, "L3", "DataEnabled", "true"},
		{Numbers, "L3", "SubscriptionType", "iot"},
		{PortIns, "+18015551234", "Action", "submit"},
		{PortIns, "+18015551234", "NumberType", "mvno"},
		{PortIns, "+18015551234", "TargetClassification", "mvno"},
		{PortIns, "+18015551234", "MessageEnabled", "true"},
		{PortIns, "+18015551234", "DataEnabled", "false"},
		{PortIns, "+18015552001", "NumberType", "iot"},
		{PortIns, "+18015552001", "DataEnabled", "true"},
		{PortIns, "+18015552001", "SubscriptionType", "iot"},
		{PortIns, "+18015559999", "Action", "cancel"},
	}
	for _, tt := range tests {
		if got := get(tt.kind, tt.key, tt.col); got != tt.want {
			t.Errorf("%s %s Get(%q) = %q, want %q", tt.kind, tt.key, tt.col, got, tt.want)
		}
	}
}

func TestTypedGetters(t *testing.T) {
	p := mustBuild(t, base().with("Subscribers-2", "Email|Name|AccountRef|Password|Phones|GuardianCalls",
		"multi@example.com|Multi|acme|pw|801.555.1234; (385) 555-0100|n"))
	r := &p.Rows[rowByKey(t, p, Subscribers, "multi@example.com")]
	if got, want := r.List("PhoneNumbers"), []string{"+18015551234", "+13855550100"}; !slices.Equal(got, want) {
		t.Errorf("List(PhoneNumbers) = %q, want %q", got, want)
	}
	if v, set := r.Bool("GuardianCalls"); v || !set {
		t.Errorf("Bool(GuardianCalls) = %v, %v; want false, true", v, set)
	}
	if v, set := r.Bool("GuardianMessages"); v || set {
		t.Errorf("Bool(GuardianMessages) = %v, %v; want false, false", v, set)
	}
	if r.Given("Role") || r.Get("Role") != "Subscriber" {
		t.Errorf("Role: Given %v, Get %q; want a default that is not given", r.Given("Role"), r.Get("Role"))
	}
	l1 := &p.Rows[rowByKey(t, p, Numbers, "L1")]
	if v, set := l1.Int("LimitValue"); v != 20 || !set {
		t.Errorf("Int(LimitValue) = %d, %v; want 20, true", v, set)
	}
	if v, set := l1.Int("NotifyValue"); v != 0 || set {
		t.Errorf("Int(NotifyValue) = %d, %v; want 0, false", v, set)
	}
	if v, set := l1.Bool("DataEnabled"); !v || !set || l1.Given("DataEnabled") {
		t.Errorf("Bool(DataEnabled) = %v, %v, given %v; want true from ProductType, not given", v, set, l1.Given("DataEnabled"))
	}
	if r.List("PhoneNumbers") == nil || (&p.Rows[rowByKey(t, p, Subscribers, "jane@example.com")]).List("PhoneNumbers") != nil {
		t.Error("List of an empty column, want nil")
	}
}

func TestGetPanicsOnUnknownColumn(t *testing.T) {
	p := mustBuild(t, base())
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `Numbers has no column "CallRouteId"`) {
			t.Errorf("recover() = %v, want a panic naming the column", r)
		}
	}()
	p.Rows[rowByKey(t, p, Numbers, "L1")].Get("CallRouteId")
}

// fingerprints builds m and returns the fingerprints of the row of kind k
// with key key.
func fingerprints(t *testing.T, m manifest, k Kind, key string, mac []byte) (string, string) {
	t.Helper()
	p := mustBuild(t, m)
	return p.Rows[rowByKey(t, p, k, key)].Fingerprint(mac)
}

func portIn(pin, carrier string) manifest {
	return manifest{{"PortIns", "PortInNumber|SubscriberId|MessageRouteId|CurrentCarrierName|CurrentAccountNumber|CurrentAccountPassword|BillingStreet1|BillingCity|BillingState|BillingZip|Notes|OrderId", []string{
		"801-555-1234|TSUID-1|MRID-1|" + carrier + "|4651234567|" + pin + "|1 Main|Lehi|UT|84043||",
	}}}
}

func TestFingerprint(t *testing.T) {
	key := FingerprintKey("sandbox-secret")
	const n = "+18015551234"
	plain, mac := fingerprints(t, portIn("0550", "Old Co"), PortIns, n, key)
	if len(plain) != 32 || len(mac) != 32 {
		t.Fatalf("Fingerprint = %q, %q; want 32 hex digits each", plain, mac)
	}
	t.Run("deterministic", func(t *testing.T) {
		p2, m2 := fingerprints(t, portIn("0550", "Old Co"), PortIns, n, key)
		if p2 != plain || m2 != mac {
			t.Errorf("same row: %q, %q; want %q, %q", p2, m2, plain, mac)
		}
	})
	t.Run("secret changes only the MAC", func(t *testing.T) {
		p2, m2 := fingerprints(t, portIn("0551", "Old Co"), PortIns, n, key)
		if p2 != plain || m2 == mac {
			t.Errorf("changed PIN: plain %q (was %q), MAC %q (was %q); want same plain, new MAC", p2, plain, m2, mac)
		}
	})
	t.Run("non-secret changes only the plain hash", func(t *testing.T) {
		p2, m2 := fingerprints(t, portIn("0550", "New Co"), PortIns, n, key)
		if p2 == plain || m2 != mac {
			t.Errorf("changed carrier: plain %q (was %q), MAC %q (was %q); want new plain, same MAC", p2, plain, m2, mac)
		}
	})
	t.Run("normalised values, not cells", func(t *testing.T) {
		m := portIn("0550", "Old Co")
		m[0].rows[0] = strings.Replace(m[0].rows[0], "801-555-1234", "(801) 555 1234", 1)
		m[0].rows[0] = strings.Replace(m[0].rows[0], "|UT|", "|utah|", 1)
		if p2, _ := fingerprints(t, m, PortIns, n, key); p2 != plain {
			t.Errorf("same values written differently: %q, want %q", p2, plain)
		}
	})
	t.Run("results and comment columns do not count", func(t *testing.T) {
		m := portIn("0550", "Old Co")
		m[0].rows[0] = strings.TrimSuffix(m[0].rows[0], "||") + "|a note|JNOID-1"
		if p2, m2 := fingerprints(t, m, PortIns, n, key); p2 != plain || m2 != mac {
			t.Errorf("with Notes and OrderId: %q, %q; want %q, %q", p2, m2, plain, mac)
		}
	})
	t.Run("a masked secret of an existing row is not given", func(t *testing.T) {
		m := portIn(SecretMask, "Old Co")
		m[0].rows[0] = strings.TrimSuffix(m[0].rows[0], "||") + "||JNOID-1"
		p := mustBuild(t, m)
		r := &p.Rows[rowByKey(t, p, PortIns, n)]
		p2, m2 := r.Fingerprint(key)
		if p2 != plain || m2 != "" {
			t.Errorf("masked PIN: %q, %q; want the plain hash %q and no MAC", p2, m2, plain)
		}
		if r.Given("CurrentAccountPassword") || r.Get("CurrentAccountPassword") != "" || !r.Masked() {
			t.Errorf("masked PIN: given %v, value %q, Masked %v; want not given, empty, masked",
				r.Given("CurrentAccountPassword"), r.Get("CurrentAccountPassword"), r.Masked())
		}
		other := mustBuild(t, portIn("0550", "Old Co"))
		if other.Rows[0].Masked() {
			t.Errorf("Masked() of a row with its PIN = true, want false")
		}
	})
	t.Run("no key, no MAC", func(t *testing.T) {
		if _, m2 := fingerprints(t, portIn("0550", "Old Co"), PortIns, n, nil); m2 != "" {
			t.Errorf("MAC without a key = %q, want empty", m2)
		}
	})
	t.Run("no secret, no MAC", func(t *testing.T) {
		if _, m2 := fingerprints(t, base(), Accounts, "acme", key); m2 != "" {
			t.Errorf("MAC of a row without secrets = %q, want empty", m2)
		}
	})
	t.Run("keyed: the same PIN under two keys", func(t *testing.T) {
		_, m2 := fingerprints(t, portIn("0550", "Old Co"), PortIns, n, FingerprintKey("another-secret"))
		if m2 == mac {
			t.Errorf("MAC under two keys = %q both, want them to differ", mac)
		}
	})
	t.Run("MAC is not a plain hash of the secret", func(t *testing.T) {
		for _, s := range []string{"0550", "CurrentAccountPassword0550"} {
			sum := sha256.Sum256([]byte(s))
			if strings.HasPrefix(hex.EncodeToString(sum[:]), mac) {
				t.Errorf("MAC %q is the SHA-256 of %q", mac, s)
			}
		}
		if strings.Contains(mac, "0550") && strings.Contains(plain, "0550") {
			t.Errorf("fingerprints %q, %q show the PIN", plain, mac)
		}
	})
}

func TestFingerprintKey(t *testing.T) {
	a, b := FingerprintKey("sandbox-secret"), FingerprintKey("sandbox-secret")
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Errorf("FingerprintKey = %x, %x; want the same 32 bytes twice", a, b)
	}
	if c := FingerprintKey("other"); bytes.Equal(a, c) {
		t.Error("FingerprintKey of two secrets is the same, want different keys")
	}
	if bytes.Contains(a, []byte("sandbox-secret")) {
		t.Error("FingerprintKey holds the secret")
	}
}
