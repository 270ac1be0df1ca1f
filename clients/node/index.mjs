// The ES module entry: the same kit as index.cjs (one implementation, no build step).
import kit from './index.cjs';

export const { startEpmock, connectEpmock, queueUrl, EpmockError } = kit;
export default kit;
