import CLinux
import Glibc

/// Closing (with a lingering shutdown when the client may still send), epoll interest, timers.
extension Connection {
    /// Closes now, or, when the client may still be sending, shuts down our side first and
    /// reads what comes for a moment, so the client sees our answer instead of a reset.
    func closeOrLinger() {
        guard !closed, !lingering else { return }
        let unread = end > start || exchange.map { !$0.bodyDone } == true
        if !unread || peerClosed {
            close()
            return
        }
        lingering = true
        lingerDeadline = loop.now + 2
        exchange?.sink?.abandon()
        shutdown(fd, Int32(SHUT_WR))
        start = 0
        end = 0
        updateInterest()
    }

    func closeIfIdle() {
        if exchange == nil && output.isEmpty { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        exchange?.sink?.fail(HTTPError(400, "The client closed the connection.", closeConnection: true))
        exchange?.stream?.close()
        exchange?.pushStream?.closed()
        Glibc.close(fd)
        loop.connectionClosed(fd)
        buffer?.deallocate()
        buffer = nil
    }

    func updateInterest() {
        guard !closed else { return }
        var wanted: UInt32 = 0
        let roomToRead = end - start < maxCapacity
        if !peerClosed && (lingering || (!readPaused && roomToRead)) { wanted |= EPOLLIN.rawValue }
        if !output.isEmpty { wanted |= EPOLLOUT.rawValue }
        if wanted != interest {
            interest = wanted
            loop.modify(fd, events: wanted)
        }
    }

    func sweep() {
        guard !closed else { return }
        let now = loop.now
        if lingering {
            if now > lingerDeadline { close() }
            return
        }
        if !output.isEmpty && now - lastWriteProgress > configuration.writeTimeout {
            close()
            return
        }
        if let exchange {
            if !exchange.bodyDone && !readPaused && now - exchange.lastBodyActivity > configuration.bodyTimeout {
                if exchange.responseQueued { close(); return }
                bodyFailed(exchange, HTTPError(408, "No body bytes arrived for \(Int(configuration.bodyTimeout)) s.",
                                               closeConnection: true))
                updateInterest()
            }
        } else if end > start {
            if now - headStarted > configuration.headTimeout {
                start = end
                queueResponse(Exchange.unparsed(requestId: loop.requestIDs.next(), trace: loop.traceIDs.trace(for: nil), now: now),
                              HTTPError(408, "The request head did not arrive within \(Int(configuration.headTimeout)) s.").response,
                              close: true)
                if !closed { updateInterest() }
            }
        } else if output.isEmpty {
            if now - lastActivity > configuration.idleTimeout {
                close()
            } else if buffer != nil && now - lastActivity > 2 {
                buffer!.deallocate()
                buffer = nil
                capacity = 0
                start = 0
                end = 0
                searched = 0
            }
        }
    }
}
