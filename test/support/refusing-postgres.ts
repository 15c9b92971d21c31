// A server that speaks just enough of PostgreSQL's protocol to refuse every login, as a wrong password does:
// whatever the client sends first, it answers an ErrorResponse with SQLSTATE 28P01 and hangs up.
import { createServer, type AddressInfo } from 'node:net';

export async function startRefusingPostgres(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((socket) => {
    socket.once('data', () => {
      const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "kling"'];
      const body = Buffer.concat([...fields.map((field) => Buffer.from(`${field}\0`)), Buffer.from('\0')]);
      const header = Buffer.alloc(5);
      header.write('E', 0);
      header.writeInt32BE(body.length + 4, 1);
      socket.end(Buffer.concat([header, body]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
