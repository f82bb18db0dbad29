/**
 * The message event example of Slack's Events API documentation, in its
 * `event_callback` envelope, as Slack POSTs it (a JSON string).
 * https://api.slack.com/events/message
 */
export const slackDocsMessageEvent = (eventId = 'Ev0PV52K21', teamId = 'T061EG9R6'): string =>
  JSON.stringify({
    token: 'XXYYZZ',
    team_id: teamId,
    api_app_id: 'AXXXXXXXXX',
    event: {
      type: 'message',
      channel: 'C2147483705',
      user: 'U2147483697',
      text: 'Hello world',
      ts: '1355517523.000005',
      channel_type: 'channel',
    },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1355517523,
  });
