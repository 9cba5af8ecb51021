#pragma once
/// A first-in first-out hand-over between threads that holds at most `capacity` items: a
/// producer that gets ahead waits, so memory stays bounded whatever the input's size. Closing it
/// tells the consumer that nothing more comes, and the producer that nothing more is wanted.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace flowwatch::agent {

template <typename T>
class BoundedQueue {
  public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

    /// Waits for room, then appends `item`. False, and `item` dropped, once the queue is closed.
    bool push(T item) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [this] { return room_or_closed(); });
        if (closed_) {
            return false;
        }
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    /// Waits until a push would not wait; false once the queue is closed. A producer that calls
    /// it before making its next item holds one item fewer.
    bool wait_for_room() {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [this] { return room_or_closed(); });
        return !closed_;
    }

    /// Waits for an item and takes the oldest; empty once the queue is closed and drained.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return closed_ || !items_.empty(); });
        if (items_.empty()) {
            return std::nullopt;
        }
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    /// No more pushes: waiting and later pushes return false, pops drain what is left.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        not_full_.notify_all();
        not_empty_.notify_all();
    }

  private:
    bool room_or_closed() const { return closed_ || items_.size() < capacity_; }

    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable not_full_;
    std::condition_variable not_empty_;
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace flowwatch::agent
