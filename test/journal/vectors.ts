/** Real QLDB output (journal spec §6, TV-1 and TV-2), shared by the journal tests. */
export const TV1_BLOCK_TEXT =
  '{blockAddress:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100},transactionId:"FnQeJBAicTX0Ah32ZnVtSX",blockTimestamp:2019-09-16T19:37:05.360Z,blockHash:{{NoChM92yKRuJAb/jeLd1VnYn4DHiWIf071ACfic9uHc=}},entriesHash:{{l05LOsiKV14SDbuaYnH7uwXzUvqzIwUiRLXGbTyj/nY=}},previousBlockHash:{{7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=}},entriesHashList:[{{eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=}},{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},{{y5cCBr7pOAIUfsVQ1j0TqtE97b4b4oo1R0vnYyE5wWM=}},{{TvTXygML1bMe6NvEZtGkX+KR+W/EJl4qD1mmV77KZQg=}}],transactionInfo:{statements:[{statement:"FROM VehicleRegistration AS r \\nWHERE r.VIN = \'1N4AL11D75C109151\'\\nINSERT INTO r.Owners.SecondaryOwners\\n    VALUE { \'PersonId\' : \'CMVdR77XP8zAglmmFDGTvt\' }",startTime:2019-09-16T19:37:05.302Z,statementDigest:{{jcgPX2vsOJ0waum4qmDYtn1pCAT9xKNIzA+2k4R+mxA=}}}],documents:{JUJgkIcNbhS2goq8RqLuZ4:{tableName:"VehicleRegistration",tableId:"BFJKdXgzt9oF4wjMbuxy4G",statements:[0]}}},revisions:[{blockAddress:{strandId:"KmA3ZZca7vAIiJAK9S5Iwl",sequenceNo:100},hash:{{mHVex/yjHAWjFPpwhBuH2GKXmKJjK2FBa9faqoUVNtg=}},data:{VIN:"1N4AL11D75C109151",LicensePlateNumber:"LEWISR261LL",State:"WA",PendingPenaltyTicketAmount:90.25,ValidFromDate:2017-08-21,ValidToDate:2020-05-11,Owners:{PrimaryOwner:{PersonId:"BFJKdXhnLRT27sXBnojNGW"},SecondaryOwners:[{PersonId:"CMVdR77XP8zAglmmFDGTvt"}]},City:"Everett"},metadata:{id:"JUJgkIcNbhS2goq8RqLuZ4",version:3,txTime:2019-09-16T19:37:05.344Z,txId:"FnQeJBAicTX0Ah32ZnVtSX"}}]}';

export const TV1_BLOCK_PROOF = [
  'l3+EXs69K1+rehlqyWLkt+oHDlw4Zi9pCLW/t/mgTPM=',
  '48CXG3ehPqsxCYd34EEa8Fso0ORpWWAO8010RJKf3Do=',
  '9UnwnKSQT0i3ge1JMVa+tMIqCEDaOPTkWxmyHSn8UPQ=',
  '3nW6Vryghk+7pd6wFCtLufgPM6qXHyTNeCb1sCwcDaI=',
  'Irb5fNhBrNEQ1VPhzlnGT/ZQPadSmgfdtMYcwkNOxoI=',
  '+3CWpYG/ytf/vq9GidpzSx6JJiLXt1hMQWNnqOy3jfY=',
  'NPx6cRhwsiy5m9UEWS5JTJrZoUdO2jBOAAOmyZAT+qE=',
];

export const TV2_REVISION_PROOF = [
  'eRSwnmAM7WWANWDd5iGOyK+T4tDXyzUq6HZ/0fgLHos=',
  'VV1rdaNuf+yJZVGlmsM6gr2T52QvBO8Lg+KgpjcnWAU=',
  '7kewBXhpdbClcZKxhVmpoMHpUGOJtWQD0iY2LPfZkYA=',
  ...TV1_BLOCK_PROOF,
];

/** Digest at tip 123 that both proofs reach. */
export const TV_DIGEST_123 = '6m6BMXobbJKpMhahwVthAEsN6awgnHK62Qq5McGP1Gk=';

export const b64 = (s: string) => Buffer.from(s, 'base64');
