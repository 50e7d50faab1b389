// docs/openapi.yaml walked against the running server: every documented
// operation, called with its documented examples, answers with its documented
// success status and a body of the documented shape (every required property,
// recursively); every operation that needs a token refuses a call without one.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "integration/https_client.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using nlohmann::json;

// node[k1][k2]... or an undefined node when any step is missing (yaml-cpp
// throws on indexing a missing node).
YAML::Node dig(const YAML::Node& node, std::initializer_list<const char*> keys) {
  YAML::Node at;
  at.reset(node);
  for (const char* key : keys) {
    if (!at.IsMap() || !at[key]) return YAML::Node(YAML::NodeType::Undefined);
    at.reset(at[key]);
  }
  return at;
}

class OpenApiWalk {
 public:
  explicit OpenApiWalk(YAML::Node spec) : spec_(std::move(spec)) {}

  // "#/components/schemas/X" and the like. (yaml-cpp's Node::operator=
  // overwrites the node it refers to; reset() re-points.)
  YAML::Node resolve(YAML::Node node) const {
    while (node.IsMap() && node["$ref"]) {
      const std::string ref = node["$ref"].as<std::string>();
      YAML::Node target;
      target.reset(spec_);
      std::size_t start = 2;  // past "#/"
      while (start <= ref.size()) {
        const std::size_t end = std::min(ref.find('/', start), ref.size());
        target.reset(target[ref.substr(start, end - start)]);
        start = end + 1;
      }
      node.reset(target);
    }
    return node;
  }

  // YAML example -> JSON: quoted scalars stay strings.
  static json to_json(const YAML::Node& node) {
    if (node.IsMap()) {
      json out = json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = to_json(item.second);
      return out;
    }
    if (node.IsSequence()) {
      json out = json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    const std::string text = node.Scalar();
    if (node.Tag() != "!") {
      long long integer = 0;
      if (YAML::convert<long long>::decode(node, integer)) return integer;
      double number = 0;
      if (YAML::convert<double>::decode(node, number)) return number;
      if (text == "true" || text == "false") return text == "true";
    }
    return text;
  }

  // Every required property of `schema` is in `value`, recursively.
  void expect_shape(const json& value, YAML::Node schema, const std::string& where) const {
    schema.reset(resolve(schema));
    if (schema["allOf"]) {
      for (const auto& part : schema["allOf"]) expect_shape(value, part, where);
      return;
    }
    const std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
    if (type == "object" || schema["properties"]) {
      ASSERT_TRUE(value.is_object()) << where << " should be an object: " << value.dump();
      for (const auto& name : schema["required"]) {
        EXPECT_TRUE(value.contains(name.as<std::string>())) << where << " lacks '" << name << "': " << value.dump();
      }
      for (const auto& property : schema["properties"]) {
        const std::string name = property.first.as<std::string>();
        if (value.contains(name)) expect_shape(value[name], property.second, where + "." + name);
      }
    } else if (type == "array") {
      ASSERT_TRUE(value.is_array()) << where << " should be an array";
      for (const auto& item : value) expect_shape(item, schema["items"], where + "[]");
    } else if (type == "string") {
      EXPECT_TRUE(value.is_string()) << where << " should be a string: " << value.dump();
    } else if (type == "integer" || type == "number") {
      EXPECT_TRUE(value.is_number()) << where << " should be a number: " << value.dump();
    } else if (type == "boolean") {
      EXPECT_TRUE(value.is_boolean()) << where << " should be a boolean: " << value.dump();
    }
  }

  const YAML::Node& spec() const { return spec_; }

 private:
  YAML::Node spec_;
};

TEST(OpenApiTest, EveryDocumentedOperationAnswersAsDocumented) {
  RunningServer server;
  ASSERT_GT(server.http_port(), 0);
  const OpenApiWalk walk(YAML::LoadFile((source_dir() / "docs/openapi.yaml").string()));
  HttpsClient client(server.http_port());
  int operations = 0;

  for (const auto& path_item : walk.spec()["paths"]) {
    const std::string path_template = path_item.first.as<std::string>();
    for (const auto& operation_item : path_item.second) {
      const std::string method = operation_item.first.as<std::string>();
      const YAML::Node operation = operation_item.second;
      const std::string id = operation["operationId"].as<std::string>();
      SCOPED_TRACE(id);
      ++operations;

      std::string path = path_template;
      std::string query;
      for (const auto& parameter_ref : operation["parameters"]) {
        const YAML::Node parameter = walk.resolve(parameter_ref);
        const std::string name = parameter["name"].as<std::string>();
        const std::string example = parameter["example"].as<std::string>();
        if (parameter["in"].as<std::string>() == "path") {
          path.replace(path.find("{" + name + "}"), name.size() + 2, example);
        } else {
          query += (query.empty() ? "?" : "&") + name + "=" + example;
        }
      }
      ASSERT_EQ(path.find('{'), std::string::npos) << "a path parameter has no example: " << path;
      std::string body;
      if (const auto example = dig(operation, {"requestBody", "content", "application/json", "example"});
          example.IsDefined()) {
        body = OpenApiWalk::to_json(example).dump();
      }
      std::string token;
      const std::string role = operation["x-required-role"] ? operation["x-required-role"].as<std::string>() : "";
      if (role == "admin") token = token_for("ops", application::Role::kAdmin);
      if (role == "customer") token = token_for("openapi-alice");
      const bool needs_token = !(operation["security"] && operation["security"].size() == 0);
      EXPECT_EQ(needs_token, !role.empty()) << "x-required-role and security disagree";

      std::string verb = method;
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const HttpAnswer answer = client.request(verb, path + query, body, token);
      YAML::Node success;
      std::string success_status;
      for (const auto& response : operation["responses"]) {
        const std::string status = response.first.as<std::string>();
        if (status.starts_with("2") && success_status.empty()) {
          success_status = status;
          success.reset(walk.resolve(response.second));
        }
      }
      ASSERT_FALSE(success_status.empty()) << "no documented success";
      ASSERT_EQ(std::to_string(answer.status), success_status) << verb << " " << path << ": " << answer.body;
      if (dig(success, {"content", "application/json"}).IsDefined()) {
        EXPECT_EQ(answer.content_type, "application/json");
        const json parsed = json::parse(answer.body, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << answer.body;
        walk.expect_shape(parsed, success["content"]["application/json"]["schema"], id);
      } else {
        EXPECT_TRUE(answer.content_type.starts_with("text/plain")) << answer.content_type;
        EXPECT_FALSE(answer.body.empty());
      }

      if (needs_token) {
        const HttpAnswer refused = client.request(verb, path + query, body);
        EXPECT_EQ(refused.status, 401) << refused.body;
        walk.expect_shape(json::parse(refused.body, nullptr, false), walk.spec()["components"]["schemas"]["Error"],
                          id + " without a token");
      }
    }
  }
  EXPECT_EQ(operations, 17) << "the API has 14 operations and 3 operations routes";
}

// One change to a documented request: what is sent and what must come back.
struct EdgeCase {
  std::string what;  // e.g. "beacons.sightings[0].rssi = -128"
  json body;
  bool must_refuse = false;
  std::string field;  // the property a refusal must name
};

// Bounds (minimum/maximum, maxItems) and required properties of `schema`,
// walked alongside `example`: each bound at its edge (accepted) and one past
// it (refused, naming the field); each required property left out (refused,
// naming it). Arrays are walked through their first item.
void collect_edges(const OpenApiWalk& walk, const json& root, const json::json_pointer& at, YAML::Node schema,
                   const std::string& where, std::vector<EdgeCase>& out) {
  schema.reset(walk.resolve(schema));
  if (schema["allOf"]) {
    for (const auto& part : schema["allOf"]) collect_edges(walk, root, at, part, where, out);
    return;
  }
  const json& value = root.at(at);
  const auto with = [&](const json& replacement) {
    json changed = root;
    changed[at] = replacement;
    return changed;
  };
  const std::string name = at.empty() ? "" : at.back();
  if (value.is_number_integer()) {
    if (schema["minimum"]) {
      const long long min = schema["minimum"].as<long long>();
      out.push_back({where + " = " + std::to_string(min), with(min), false, name});
      out.push_back({where + " = " + std::to_string(min - 1), with(min - 1), true, name});
    }
    if (schema["maximum"]) {
      const long long max = schema["maximum"].as<long long>();
      out.push_back({where + " = " + std::to_string(max), with(max), false, name});
      out.push_back({where + " = " + std::to_string(max + 1), with(max + 1), true, name});
    }
    return;
  }
  if (value.is_array()) {
    if (value.empty()) return;
    if (schema["maxItems"]) {
      const auto max = schema["maxItems"].as<std::size_t>();
      out.push_back({where + " with " + std::to_string(max) + " items", with(json(std::vector<json>(max, value[0]))),
                     false, name});
      out.push_back({where + " with " + std::to_string(max + 1) + " items",
                     with(json(std::vector<json>(max + 1, value[0]))), true, name});
    }
    collect_edges(walk, root, at / 0, schema["items"], where + "[0]", out);
    return;
  }
  if (!value.is_object()) return;
  for (const auto& required : schema["required"]) {
    const std::string property = required.as<std::string>();
    if (!value.contains(property)) continue;
    json changed = root;
    changed[at].erase(property);
    out.push_back({where + (where.empty() ? "" : ".") + property + " left out", changed, true, property});
  }
  for (const auto& property : schema["properties"]) {
    const std::string key = property.first.as<std::string>();
    if (value.contains(key)) {
      collect_edges(walk, root, at / key, property.second, where + (where.empty() ? "" : ".") + key, out);
    }
  }
}

// "beacons.sightings[0].txPower" and "tx_power" name the same property.
std::string comparable(const std::string& name) {
  std::string out;
  for (const char c : name) {
    if (c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

TEST(OpenApiTest, EveryDocumentedBoundAndRequiredPropertyIsEnforcedAtItsEdge) {
  RunningServer server;
  ASSERT_GT(server.http_port(), 0);
  const OpenApiWalk walk(YAML::LoadFile((source_dir() / "docs/openapi.yaml").string()));
  HttpsClient client(server.http_port());
  const std::string admin = token_for("ops", application::Role::kAdmin);
  int cases = 0;
  int sent = 0;

  for (const auto& path_item : walk.spec()["paths"]) {
    const std::string path_template = path_item.first.as<std::string>();
    for (const auto& operation_item : path_item.second) {
      const YAML::Node operation = operation_item.second;
      const std::string id = operation["operationId"].as<std::string>();
      std::string verb = operation_item.first.as<std::string>();
      for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string role = operation["x-required-role"] ? operation["x-required-role"].as<std::string>() : "";
      // A customer acts for themself (the path's customer when it names one);
      // each body case is a new customer, so the per-customer rate limit
      // never answers instead of the validation under test.
      std::string customer = "openapi-edge";
      const auto token = [&](int case_number) {
        if (role == "admin") return admin;
        if (role == "customer")
          return token_for(case_number < 0 ? customer : customer + "-" + std::to_string(case_number));
        return std::string();
      };

      std::string path = path_template;
      std::vector<std::pair<std::string, YAML::Node>> query;  // name, parameter
      for (const auto& parameter_ref : operation["parameters"]) {
        const YAML::Node parameter = walk.resolve(parameter_ref);
        const std::string name = parameter["name"].as<std::string>();
        if (parameter["in"].as<std::string>() == "path") {
          path.replace(path.find("{" + name + "}"), name.size() + 2, parameter["example"].as<std::string>());
          if (name == "customer_id") customer = parameter["example"].as<std::string>();
        } else {
          query.emplace_back(name, parameter);
        }
      }

      // Query parameters: each bound at its edge and one past; an optional
      // one left out takes its default.
      for (const auto& [name, parameter] : query) {
        const YAML::Node schema = walk.resolve(parameter["schema"]);
        std::vector<EdgeCase> edges;
        if (schema["minimum"]) {
          const long long min = schema["minimum"].as<long long>();
          edges.push_back({name + "=" + std::to_string(min), json(min), false, name});
          edges.push_back({name + "=" + std::to_string(min - 1), json(min - 1), true, name});
        }
        if (schema["maximum"]) {
          const long long max = schema["maximum"].as<long long>();
          edges.push_back({name + "=" + std::to_string(max), json(max), false, name});
          edges.push_back({name + "=" + std::to_string(max + 1), json(max + 1), true, name});
        }
        const bool required = parameter["required"] && parameter["required"].as<bool>();
        edges.push_back({name + " left out", json(), required, name});
        for (const EdgeCase& edge : edges) {
          SCOPED_TRACE(id + ": " + edge.what);
          ++cases;
          const std::string target = edge.body.is_null() ? path : path + "?" + name + "=" + edge.body.dump();
          const HttpAnswer answer = client.request(verb, target, "", token(-1));
          ++sent;
          if (edge.must_refuse) {
            ASSERT_EQ(answer.status, 400) << answer.body;
            EXPECT_EQ(comparable(json::parse(answer.body).value("field", "")), comparable(name)) << answer.body;
          } else {
            EXPECT_TRUE(answer.status >= 200 && answer.status < 300) << answer.status << " " << answer.body;
          }
        }
      }

      const auto example = dig(operation, {"requestBody", "content", "application/json", "example"});
      if (!example.IsDefined()) continue;
      const json base = OpenApiWalk::to_json(example);
      std::vector<EdgeCase> edges;
      collect_edges(walk, base, json::json_pointer(), operation["requestBody"]["content"]["application/json"]["schema"],
                    "", edges);
      for (EdgeCase& edge : edges) {
        SCOPED_TRACE(id + ": " + edge.what);
        ++cases;
        // A retry key with another body is refused by design: each case
        // gets its own.
        if (edge.body.contains("requestId")) edge.body["requestId"] = "edge-" + std::to_string(cases);
        const HttpAnswer answer = client.request(verb, path, edge.body.dump(), token(cases));
        ++sent;
        const json reply = json::parse(answer.body, nullptr, false);
        if (edge.must_refuse) {
          EXPECT_EQ(answer.status, 400) << edge.body.dump() << " -> " << answer.body;
          if (!reply.is_object()) ADD_FAILURE() << answer.body;
          EXPECT_EQ(reply.value("code", ""), "INVALID_ARGUMENT") << answer.body;
          const std::string field = comparable(reply.value("field", ""));
          const std::string wanted = comparable(edge.field);
          EXPECT_TRUE(field.size() >= wanted.size() && field.ends_with(wanted))
              << "the error should name '" << edge.field << "': " << answer.body;
        } else {
          // Within the documented bounds: not refused as bad input (it may
          // still be a conflict or an unknown beacon).
          EXPECT_NE(answer.status, 400) << edge.body.dump() << " -> " << answer.body;
          EXPECT_LT(answer.status, 500) << answer.body;
        }
      }
    }
  }
  std::printf("%d documented edges checked against the server\n", cases);
  EXPECT_EQ(sent, cases);
  EXPECT_GE(cases, 40) << "the spec's bounds and required properties";
}

}  // namespace
}  // namespace tastesync::testing
