#include "FuzzRelay.h"

#include <cstdio>
#include <cstdlib>

#include "FuzzKeys.h"
#include "relay/RelayFixture.h"

namespace verbatim::fuzz {

namespace {

template <class T> T need(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "fuzz relay: %s failed: %s\n", what, r.error().message.c_str());
        std::abort();
    }
    return std::move(*r);
}

void lift(relay::BucketSpec& spec) {
    spec = relay::BucketSpec{1e12, 1e12};
}

} // namespace

FuzzRelay& FuzzRelay::instance() {
    // Kept for the life of the process, like a serving relay; destroyed at exit (libFuzzer
    // exits through exit() when its time is up) so that its temporary folder goes too.
    static std::unique_ptr<FuzzRelay> relay = [] {
        std::unique_ptr<FuzzRelay> r(new FuzzRelay());
        r->m_fixture =
            need(relay::RelayFixture::create([](relay::RelayConfig& c) {
                     for (auto* spec :
                          {&c.limits.send, &c.limits.preKeyFetch, &c.limits.redeem,
                           &c.limits.invite, &c.limits.preKeyTarget, &c.limits.preKeyPair,
                           &c.limits.redeemGuess, &c.limits.preKeysLowPush, &c.limits.preKeyUpload})
                         lift(*spec);
                     c.verifyJournalSignatures = false;
                     c.journalPublicKey = fuzzKeys().journal->publicKey();
                 }),
                 "relay");
        auto& f = *r->m_fixture;
        r->m_lawyer = need(f.enroll("lawyer", proto::ROLE_LAWYER), "lawyer");
        r->m_admin = need(f.enroll("admin", proto::ROLE_ADMIN), "admin");
        r->m_compliance = need(f.enroll("compliance", proto::ROLE_COMPLIANCE), "compliance");
        r->m_victim = need(f.enroll("victim", proto::ROLE_LAWYER), "victim");
        r->m_conversation = need(f.createConversation(*r->m_lawyer, "Estate of Doe", {}), "matter");
        r->m_client = need(f.joinByInvite(*r->m_lawyer, r->m_conversation), "client");
        return r;
    }();
    return *relay;
}

const relay::DeviceId& FuzzRelay::device(std::uint64_t selector) const {
    switch (selector % 4) {
    case 0:
        return m_lawyer->id;
    case 1:
        return m_client->id;
    case 2:
        return m_admin->id;
    default:
        return m_compliance->id;
    }
}

void FuzzRelay::substitute(google::protobuf::Message& message) const {
    using google::protobuf::FieldDescriptor;
    const auto* reflection = message.GetReflection();
    const auto* descriptor = message.GetDescriptor();
    auto replaced = [&](const std::string& s) -> std::optional<std::string> {
        if (s == "$conv") return m_conversation;
        if (s == "$lawyer") return m_lawyer->user();
        if (s == "$client") return m_client->user();
        if (s == "$admin") return m_admin->user();
        if (s == "$compliance") return m_compliance->user();
        if (s == "$victim") return m_victim->user();
        return std::nullopt;
    };
    for (int i = 0; i < descriptor->field_count(); ++i) {
        const FieldDescriptor* field = descriptor->field(i);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            if (field->is_repeated()) {
                for (int j = 0; j < reflection->FieldSize(message, field); ++j)
                    if (auto s = replaced(reflection->GetRepeatedString(message, field, j)))
                        reflection->SetRepeatedString(&message, field, j, *s);
            } else if (reflection->HasField(message, field) ||
                       field->containing_oneof() == nullptr) {
                if (auto s = replaced(reflection->GetString(message, field)))
                    reflection->SetString(&message, field, *s);
            }
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
            if (field->is_repeated()) {
                for (int j = 0; j < reflection->FieldSize(message, field); ++j)
                    substitute(*reflection->MutableRepeatedMessage(&message, field, j));
            } else if (reflection->HasField(message, field)) {
                substitute(*reflection->MutableMessage(&message, field));
            }
        }
    }
}

proto::Response FuzzRelay::call(const relay::DeviceId& from, proto::Request request) {
    substitute(request);
    if (request.has_admin_device_action()) {
        // The firm's own parties stay usable for the rest of the run: revocations and wipes
        // land on the victim.
        const auto& target = request.admin_device_action().user();
        if (target == m_lawyer->user() || target == m_client->user() || target == m_admin->user() ||
            target == m_compliance->user())
            request.mutable_admin_device_action()->set_user(m_victim->user());
    }
    if (request.has_send() && request.send().journal_entry() == "$seal") {
        // The journal entry an honest sender would seal for exactly this send.
        auto& send = *request.mutable_send();
        proto::JournalRecord record;
        record.set_version(1);
        record.set_message_id(send.message_id());
        record.set_conversation_id(send.conversation_id());
        record.mutable_sender()->set_user(from.user);
        record.mutable_sender()->set_device(from.device);
        for (const auto& e : send.envelopes()) {
            auto* r = record.add_recipients();
            r->set_user(e.user());
            r->set_device(e.device());
        }
        record.set_type(proto::TEXT);
        record.set_body("fuzz");
        record.set_commit_key(std::string(32, 'k'));
        auto entry =
            journal::sealRecord(record, fuzzKeys().journal->publicKey(), fuzzKeys().senderSigner());
        if (!entry) {
            send.clear_journal_entry(); // a send no honest sender can seal (message id size)
        } else {
            auto bytes = entry->serialize();
            send.set_journal_entry(std::string(bytes.begin(), bytes.end()));
        }
    }
    return m_fixture->call(from, std::move(request));
}

int FuzzRelay::registerDevice(proto::RegisterDevice request) {
    substitute(request);
    if (request.token() == "$invite" || request.token() == "$enroll") {
        std::string link;
        if (request.token() == "$invite") {
            proto::Request invite;
            invite.mutable_create_invite()->set_conversation_id(m_conversation);
            link = m_fixture->call(*m_lawyer, invite).invite().link();
        } else {
            link = "token=" + need(m_fixture->enrollmentToken("lawyer"), "enrollment token");
        }
        request.set_token(relay::tokenFromLink(link));
    }
    auto answer = m_fixture->registerRaw(request, m_fixture->freshAddress());
    if (!answer.answered) {
        std::fprintf(stderr, "fuzz relay: registration never answered\n");
        std::abort();
    }
    return answer.status();
}

} // namespace verbatim::fuzz
