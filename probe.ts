import { ApiGatewayV2Client, GetApisCommand, GetAuthorizersCommand, GetIntegrationsCommand, GetRoutesCommand } from "@aws-sdk/client-apigatewayv2";
import { assumeRoleCredentials } from "./scripts/sandbox/emulator";
(async () => {
  const endpoint = "http://127.0.0.1:35319";
  const credentials = await assumeRoleCredentials(endpoint, "arn:aws:iam::111111111111:role/twinstack-deploy");
  const c = new ApiGatewayV2Client({ endpoint, region: "us-east-1", credentials });
  const apis = await c.send(new GetApisCommand({})).catch(e => { console.log("apis", e.message); return undefined; });
  console.log(apis?.Items?.map(a => [a.Name, a.ApiId]));
  const ApiId = apis!.Items![0].ApiId!;
  for (const [n, cmd] of [["routes", new GetRoutesCommand({ ApiId })], ["auth", new GetAuthorizersCommand({ ApiId })], ["int", new GetIntegrationsCommand({ ApiId })]] as const) {
    try { const r: any = await c.send(cmd as any); console.log(n, JSON.stringify(r.Items).slice(0, 600)); } catch (e) { console.log(n, "ERR", (e as Error).message.slice(0, 100)); }
  }
})();
