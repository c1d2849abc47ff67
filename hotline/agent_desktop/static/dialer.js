// Calls to citizens from the operator's softphone: the server checks the call (a ticket's or a
// callback's number, Vietnamese, in calling hours) and returns a one-time target; the softphone
// dials it, and the dialplan places the call to the citizen.
import {Hotline} from "./common.js";
import {state} from "./call_state.js";
import {Softphone} from "./softphone.js";

export async function callCitizen(path) {
  if (state.session) throw new Error("Bạn đang có cuộc gọi khác");
  if (!Softphone.ua || !Softphone.ua.isRegistered()) throw new Error("Điện thoại chưa đăng ký với tổng đài");
  const d = await Hotline.api(path, "POST", {});
  const session = Softphone.ua.call(d.dial, {mediaConstraints: {audio: true, video: false}});
  state.attach(session, `Đang gọi ${d.number}`);
  return d;
}
