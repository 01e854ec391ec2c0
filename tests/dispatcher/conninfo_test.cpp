// with_link_timeouts (dispatcher/store.h): the limits a lost link needs, added to a conninfo
// without overriding what it says. No database needed: the result is read back with libpq's
// own parser. What the limits do over a cut link is shown by ops/hosts.sh (test HostsRig).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "dispatcher/store.h"

namespace waybill::dispatcher {
namespace {

// The options a conninfo sets, as libpq reads them.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), PQconninfoFree);
  if (!options) {
    std::string what = error ? error : "?";
    PQfreemem(error);
    ADD_FAILURE() << "libpq cannot parse " << conninfo << ": " << what;
    return {};
  }
  std::map<std::string, std::string> set;
  for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (o->val) set[o->keyword] = o->val;
  }
  return set;
}

class LinkTimeouts : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("PGCONNECT_TIMEOUT"); }
};

TEST_F(LinkTimeouts, AreAddedToAKeyValueConninfo) {
  const auto set = parsed(with_link_timeouts("host=10.0.0.1,10.0.0.2 port=5432,5433 dbname=waybill"
                                             " target_session_attrs=read-write"));
  EXPECT_EQ(set.at("host"), "10.0.0.1,10.0.0.2");
  EXPECT_EQ(set.at("port"), "5432,5433");
  EXPECT_EQ(set.at("dbname"), "waybill");
  EXPECT_EQ(set.at("target_session_attrs"), "read-write");
  EXPECT_EQ(set.at("connect_timeout"), "2");
  EXPECT_EQ(set.at("keepalives_idle"), "1");
  EXPECT_EQ(set.at("keepalives_interval"), "1");
  EXPECT_EQ(set.at("keepalives_count"), "2");
  EXPECT_EQ(set.at("tcp_user_timeout"), "3000");
}

TEST_F(LinkTimeouts, NeverOverrideWhatTheConninfoOrTheEnvironmentSays) {
  const auto set = parsed(with_link_timeouts("host=db connect_timeout=10 tcp_user_timeout=0"));
  EXPECT_EQ(set.at("connect_timeout"), "10");
  EXPECT_EQ(set.at("tcp_user_timeout"), "0");
  EXPECT_EQ(set.at("keepalives_idle"), "1");

  setenv("PGCONNECT_TIMEOUT", "30", 1);
  EXPECT_EQ(parsed(with_link_timeouts("host=db")).count("connect_timeout"), 0u);
  unsetenv("PGCONNECT_TIMEOUT");
}

TEST_F(LinkTimeouts, AreAddedToAUriAndToAnEmptyConninfo) {
  const auto uri = parsed(with_link_timeouts("postgresql://alice@db.example:6543/waybill?sslmode=disable"));
  EXPECT_EQ(uri.at("user"), "alice");
  EXPECT_EQ(uri.at("host"), "db.example");
  EXPECT_EQ(uri.at("port"), "6543");
  EXPECT_EQ(uri.at("dbname"), "waybill");
  EXPECT_EQ(uri.at("sslmode"), "disable");
  EXPECT_EQ(uri.at("tcp_user_timeout"), "3000");

  // Empty: libpq's environment (PGHOST, ...) still decides the rest.
  const auto empty = parsed(with_link_timeouts(""));
  EXPECT_EQ(empty.count("host"), 0u);
  EXPECT_EQ(empty.at("connect_timeout"), "2");
}

TEST_F(LinkTimeouts, KeepValuesWithSpacesQuotesAndBackslashes) {
  const auto set = parsed(with_link_timeouts(R"(password='it\'s a \\ test' application_name='a b')"));
  EXPECT_EQ(set.at("password"), "it's a \\ test");
  EXPECT_EQ(set.at("application_name"), "a b");
}

TEST_F(LinkTimeouts, AConninfoLibpqCannotReadIsRefusedNamingTheFault) {
  try {
    with_link_timeouts("host=db dbnmae");
    FAIL() << "no error";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::permanent);
    EXPECT_NE(std::string(e.what()).find("bad PostgreSQL conninfo"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dbnmae"), std::string::npos) << e.what();
  }
  EXPECT_THROW(with_link_timeouts("host=db no_such_option=1"), StoreError);
}

}  // namespace
}  // namespace waybill::dispatcher
