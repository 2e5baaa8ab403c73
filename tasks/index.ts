// Every task is registered here; hardhat.config.ts imports this file once.
import "./bootstrap";
import "./treasury";
import "./service";
import "./safe";
import "./queue";
import "./info";
import "./recovery";
import "./policy";
import "./allowance";
import "./proxy";
import "./rehearse";
import "./upgrade";
import "./drill";
