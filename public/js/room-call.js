// @ts-check
// The call of a consultation room: the browser's microphone (and camera for video), and one RTCPeerConnection
// to the other participant, negotiated over the room's socket. "Perfect negotiation": both sides may offer,
// and on a collision the polite side (the patient) yields, so neither has to wait for the other to start.

/**
 * @typedef {{connection: RTCPeerConnectionState | "none", remotePlaying: boolean, hasMedia: boolean,
 *   muted: boolean, cameraOff: boolean, inCall: boolean}} CallState
 * @typedef {{type: "offer" | "answer", sdp: string} | {type: "candidate", candidate: RTCIceCandidateInit | null}
 *   | {type: "hangup"}} Signal
 */

/**
 * Why the browser gave no microphone or camera, in words a patient can act on.
 * @param {unknown} error
 * @param {"voice" | "video"} mode
 */
export function deviceMessage(error, mode) {
	const what = mode === "video" ? "camera and microphone" : "microphone";
	const name = error instanceof DOMException ? error.name : "";
	if (name === "NotAllowedError" || name === "SecurityError") {
		return `Your browser did not allow the ${what}. Allow them for this site (the icon in the address bar), then press "Join the call". You can still chat.`;
	}
	if (name === "NotFoundError" || name === "OverconstrainedError") {
		return `No ${what} was found on this device. Connect one and press "Join the call", or use the chat.`;
	}
	if (name === "NotReadableError" || name === "AbortError") {
		return `The ${what} is in use by another program. Close it and press "Join the call", or use the chat.`;
	}
	if (!navigator.mediaDevices?.getUserMedia) {
		return "This browser cannot make calls here (it needs a secure https:// page). You can still chat.";
	}
	return `Could not start the ${what}: ${error instanceof Error ? error.message : String(error)}. You can still chat.`;
}

/**
 * @param {{mode: "voice" | "video", polite: boolean, iceServers: RTCIceServer[], send: (frame: Signal) => void,
 *   local: HTMLVideoElement, remote: HTMLVideoElement, onState: (state: CallState) => void,
 *   onDeviceError: (message: string | null) => void}} options
 */
export function createCall(options) {
	const { mode, polite, send, local, remote } = options;
	/** @type {MediaStream | null} */
	let stream = null;
	/** @type {RTCPeerConnection | null} */
	let pc = null;
	let ignoreOffer = false;
	let otherPresent = false;
	let inCall = false;
	let remotePlaying = false;
	// Signals, and this side's own offers, are handled one at a time: a candidate must not overtake the offer it
	// belongs to, and an offer that already came in is answered before this side offers (see `offer`).
	let queue = Promise.resolve();
	/** @param {() => Promise<void>} job */
	const inTurn = (job) => {
		queue = queue.then(job).catch((error) => console.warn("docslot room: signal", error));
	};
	// The connection is made only once the devices were asked for (given or refused): its first description
	// then carries the tracks, and its candidates the addresses a page with device permission may show.
	/** @type {Promise<void>} */
	let mediaAsked = Promise.resolve();

	const report = () =>
		options.onState({
			connection: pc?.connectionState ?? "none",
			remotePlaying,
			hasMedia: stream !== null,
			muted: stream?.getAudioTracks().every((t) => !t.enabled) ?? false,
			cameraOff: stream?.getVideoTracks().every((t) => !t.enabled) ?? false,
			inCall,
		});

	const markPlaying = () => {
		const incoming = /** @type {MediaStream | null} */ (remote.srcObject);
		const live = incoming?.getTracks().some((t) => t.readyState === "live") ?? false;
		remotePlaying = live && !remote.paused && (mode === "voice" || remote.videoWidth > 0);
		report();
	};
	remote.addEventListener("playing", markPlaying);
	remote.addEventListener("resize", markPlaying);

	function ensurePc() {
		if (pc !== null) return pc;
		const peer = new RTCPeerConnection({ iceServers: options.iceServers });
		pc = peer;
		peer.addEventListener("negotiationneeded", () => inTurn(() => offer(peer)));
		peer.addEventListener("icecandidate", (event) =>
			send({ type: "candidate", candidate: event.candidate ? event.candidate.toJSON() : null }),
		);
		peer.addEventListener("track", (event) => {
			remote.srcObject = event.streams[0] ?? new MediaStream([event.track]);
			void remote.play().catch(() => {});
			event.track.addEventListener("unmute", markPlaying);
		});
		peer.addEventListener("connectionstatechange", () => {
			// A network change can break the path; new candidates may find another.
			if (peer.connectionState === "failed") peer.restartIce();
			report();
		});
		if (stream !== null) for (const track of stream.getTracks()) peer.addTrack(track, stream);
		report();
		return peer;
	}

	function closePc() {
		pc?.close();
		pc = null;
		remote.srcObject = null;
		remotePlaying = false;
		report();
	}

	/**
	 * This side's offer, made in turn with the other side's signals: an offer already received is answered
	 * first (with this side's tracks), and this one follows on a stable connection, instead of making the
	 * polite side roll one back. Offers can still cross on the way (both sent before either arrived): `handle`
	 * resolves that as perfect negotiation does.
	 * @param {RTCPeerConnection} peer
	 */
	async function offer(peer) {
		if (pc !== peer || peer.signalingState !== "stable") return;
		await peer.setLocalDescription();
		const sdp = peer.localDescription?.sdp;
		if (sdp && peer.localDescription?.type === "offer") send({ type: "offer", sdp });
	}

	/** @param {Signal} message */
	async function handle(message) {
		if (message.type === "hangup") return closePc();
		await mediaAsked;
		if (!inCall) return;
		let peer = message.type === "offer" ? ensurePc() : pc;
		if (peer === null) return;
		if (message.type === "candidate") {
			try {
				await peer.addIceCandidate(message.candidate ?? undefined);
			} catch (error) {
				if (!ignoreOffer) console.warn("docslot room: a candidate was not taken", error);
			}
			return;
		}
		// This side's offers are made in turn, so one of them is in flight exactly when the state is not stable.
		const collision = message.type === "offer" && peer.signalingState !== "stable";
		ignoreOffer = !polite && collision;
		if (ignoreOffer) return;
		if (collision) {
			// The polite side yields by starting over on a new connection, not by rolling its offer back: after
			// such a rollback Chromium gathered no candidates, and the call stayed at "new".
			closePc();
			peer = ensurePc();
		}
		await peer.setRemoteDescription({ type: message.type, sdp: message.sdp });
		if (message.type === "offer") {
			await peer.setLocalDescription();
			const sdp = peer.localDescription?.sdp;
			if (sdp) send({ type: "answer", sdp });
		}
	}

	return {
		/** Joins the call: asks for the devices (once per join), then connects when the other side is here. */
		start() {
			inCall = true;
			options.onDeviceError(null);
			mediaAsked = (async () => {
				try {
					stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: mode === "video" });
					local.srcObject = stream;
					if (pc !== null) for (const track of stream.getTracks()) pc.addTrack(track, stream);
				} catch (error) {
					options.onDeviceError(deviceMessage(error, mode));
				}
				if (otherPresent && inCall) ensurePc();
				report();
			})();
			return mediaAsked;
		},
		/** @param {boolean} present whether the other participant is in the room */
		present(present) {
			otherPresent = present;
			if (!present) closePc();
			// Not in the call yet: `start` connects once the devices were asked for.
			else if (inCall) void mediaAsked.then(() => otherPresent && inCall && ensurePc());
		},
		/** @param {Signal} message */
		signal(message) {
			inTurn(() => handle(message));
		},
		toggleMute() {
			for (const track of stream?.getAudioTracks() ?? []) track.enabled = !track.enabled;
			report();
		},
		toggleCamera() {
			for (const track of stream?.getVideoTracks() ?? []) track.enabled = !track.enabled;
			report();
		},
		/** Leaves the call (the chat stays): the devices are released and the other side is told. */
		hangUp() {
			if (inCall) send({ type: "hangup" });
			this.stop();
		},
		stop() {
			inCall = false;
			closePc();
			for (const track of stream?.getTracks() ?? []) track.stop();
			stream = null;
			local.srcObject = null;
			report();
		},
	};
}
