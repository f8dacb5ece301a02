#pragma once
/// @file VoiceAudio.h
/// Where a voice note's samples come from while recording and go while playing (issue 23): by
/// default the system's microphone and speakers through Qt Multimedia (QAudioSource,
/// QAudioSink; the headers stay in VoiceAudio.cpp), or a backend a test installs, since CI
/// machines have no sound card. Samples are mono, 48 kHz, signed 16-bit (media::kSampleRate).
///
/// Threading: GUI thread. Callbacks run on the GUI thread.

#include <QString>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

namespace verbatim::qt {

class VoiceAudio {
public:
    /// Receives captured samples as they arrive.
    using CaptureSink = std::function<void(std::span<const std::int16_t>)>;
    /// Fills the span with the next samples to play; returns how many (0: the end).
    using PlaybackSource = std::function<std::size_t(std::span<std::int16_t>)>;

    virtual ~VoiceAudio() = default;
    /// Empty when a microphone is there; otherwise why recording cannot work, for the user.
    virtual QString inputProblem() const = 0;
    /// Starts capturing into `sink`: empty on success, else the reason.
    virtual QString startCapture(CaptureSink sink) = 0;
    virtual void stopCapture() = 0;
    /// Starts playing from `source`, calling `finished` once it is drained: empty on success.
    virtual QString startPlayback(PlaybackSource source, std::function<void()> finished) = 0;
    virtual void stopPlayback() = 0;

    /// The system's devices through Qt Multimedia.
    static std::unique_ptr<VoiceAudio> system();
    /// What new VoiceControllers use instead of system() (tests; null: the system's devices).
    static void setFactoryForTests(std::function<std::unique_ptr<VoiceAudio>()> factory);
    static std::unique_ptr<VoiceAudio> make();
};

} // namespace verbatim::qt
