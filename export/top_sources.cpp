// Top sources: the tally (control lcore writes, API thread reads, under a
// mutex — neither is a worker) and a minimal HTTP/1.0 listener for it.
#include "top_sources.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "json_text.hpp"

namespace sipscope::exporter {

void TopSources::observe(const fingerprint::FlowRecord& record) {
    const fingerprint::FlowState& flow = record.flow;
    if (flow.requests == 0) return;  // probers and responses-only flows: not "sending"
    std::lock_guard lock(mutex_);
    newest_us_ = std::max(newest_us_, flow.last_seen_us);
    Entry* entry = entries_.find(flow.source);
    if (entry && !entry->open) {
        // A closed flow ended this source's count; a later flow starts afresh.
        *entry = Entry{};
        entry->first_seen_us = flow.first_seen_us;
    }
    if (!entry) {
        Entry fresh;
        fresh.first_seen_us = flow.first_seen_us;
        fresh.requests = flow.requests;
        if ((entry = entries_.admit(flow.source, fresh)) == nullptr) return;
    }
    entry->requests = std::max(entry->requests, flow.requests);
    entry->last_seen_us = std::max(entry->last_seen_us, flow.last_seen_us);
    if (flow.tool >= 0) entry->tool = flow.tool;
    entry->open = record.kind != fingerprint::RecordKind::closed_flow;
    entries_.reweighed(flow.source);
}

std::string TopSources::json(std::size_t count, uint64_t window_us) const {
    std::vector<std::pair<std::string, Entry>> ranked;
    uint64_t newest;
    {
        std::lock_guard lock(mutex_);
        newest = newest_us_;
        entries_.for_each([&](const parser::IpAddress& source, const Entry& entry) {
            if (newest - entry.last_seen_us <= window_us) ranked.emplace_back(source.to_string(), entry);
        });
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second.requests != b.second.requests ? a.second.requests > b.second.requests : a.first < b.first;
    });
    if (ranked.size() > count) ranked.resize(count);
    std::string out;
    JsonObject document(out);
    document.field("timestamp", format_rfc3339(newest)).field("window_s", static_cast<uint64_t>(window_us / 1000000));
    document.begin_array("sources");
    for (const auto& [source, entry] : ranked) {
        const fingerprint::ToolEntry* tool =
            tools_ && entry.tool >= 0 && static_cast<std::size_t>(entry.tool) < tools_->tools().size()
                ? &tools_->tools()[static_cast<std::size_t>(entry.tool)]
                : nullptr;
        document.begin_object_element()
            .field("src_ip", source)
            .field("requests", entry.requests)
            .field("first_seen", format_rfc3339(entry.first_seen_us))
            .field("last_seen", format_rfc3339(entry.last_seen_us))
            .field("open", entry.open)
            .field("tool", tool ? std::string_view(tool->name) : std::string_view("unknown"))
            .field("family", tool ? std::string_view(tool->family) : std::string_view("unknown"))
            .field("table_id", tool ? tool->table_id : 0u)
            .end();
    }
    document.end_array().end();
    return out;
}

TopSourcesServer::TopSourcesServer(const std::string& address, uint16_t port, const TopSources& top) : top_(top) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        length = sizeof *v4;
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        length = sizeof *v6;
    } else {
        throw std::runtime_error("bad API address '" + address + "'");
    }
    listener_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int yes = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&storage), length) != 0 || listen(listener_, 8) != 0) {
        std::string reason = std::strerror(errno);
        if (listener_ >= 0) close(listener_);
        throw std::runtime_error("cannot serve /top on " + address + ":" + std::to_string(port) + ": " + reason);
    }
    thread_ = std::thread([this] { serve(); });
}

TopSourcesServer::~TopSourcesServer() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    close(listener_);
}

void TopSourcesServer::serve() {
    while (!stop_.load()) {
        pollfd waiting{listener_, POLLIN, 0};
        if (poll(&waiting, 1, 200) <= 0) continue;
        int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        timeval timeout{2, 0};
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char request[2048];
        ssize_t received = recv(client, request, sizeof request - 1, 0);
        std::string body, status = "200 OK";
        if (received > 0) {
            request[received] = '\0';
            std::string_view line(request, strcspn(request, "\r\n"));
            if (line.starts_with("GET /top")) {
                std::size_t count = 20;
                uint64_t window_s = 1200;
                auto parameter = [&line](std::string_view name) -> long {
                    auto at = line.find(name);
                    return at == std::string_view::npos ? -1 : std::strtol(line.data() + at + name.size(), nullptr, 10);
                };
                if (long value = parameter("count="); value > 0) count = static_cast<std::size_t>(std::min(value, 1000L));
                if (long value = parameter("window="); value > 0) window_s = static_cast<uint64_t>(value);
                body = top_.json(count, window_s * 1000000);
            } else {
                status = "404 Not Found";
                body = "{\"error\":\"try GET /top?count=20&window=1200\"}";
            }
        }
        std::string response = "HTTP/1.0 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        send(client, response.data(), response.size(), MSG_NOSIGNAL);
        close(client);
    }
}

}  // namespace sipscope::exporter
