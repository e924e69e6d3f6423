// The commonest passwords of 8 or more characters (from public breach lists, lower-cased) and this service's
// own words, refused for new accounts: they are what an attacker tries first, whatever the rate limits.
const LIST = `
	password password1 password12 password123 password1234 password01 password2 password3 password!
	password@123 passw0rd p@ssw0rd p@ssword pa55word pa55w0rd passpass pass1234 pass12345 passport
	mypassword newpassword mypass123 secret123 secret12 changeme changeme1 changeme123 default1 letmein1
	letmein123 letmein! welcome1 welcome123 welcome@123 welcome! iloveyou iloveyou1 iloveyou2 iloveyou!
	iloveu123 ilovegod ilovemyself lovelove lovely123 babygirl babygirl1 sweetheart sweetpea 12345678
	123456789 1234567890 0987654321 987654321 87654321 12341234 12344321 11223344 1122334455 1234554321
	123123123 123321123 147258369 159753456 741852963 789456123 963852741 135792468 246813579 11111111
	00000000 22222222 33333333 44444444 55555555 66666666 77777777 88888888 99999999 1111111111 0000000000
	12121212 13131313 1212121212 10203040 01234567 1234512345 123456123456 123412341234 qwertyuiop qwertyui
	qwerty12 qwerty123 qwerty1234 qwerty123456 qwertyqwerty 123456qwerty qwer1234 1234qwer 1q2w3e4r
	1q2w3e4r5t 1q2w3e4r5t6y 1qaz2wsx 1qazxsw2 1qaz2wsx3edc 1qaz@wsx !qaz2wsx zaq12wsx zaq1zaq1 zaq1xsw2
	xsw2zaq1 q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 qazwsxedc qazwsx123 qweasdzxc 123qweasd 123qweasdzxc qweqweqwe
	qwe123qwe 123qwe123 asdfghjkl asdfghjk asdf1234 asdfasdf asdasdasd zxcvbnm1 zxcvbnm123 zxcvbnm,
	zxczxczxc 12qwaszx 1234qwerasdf qwerasdf asdfqwer abcdefgh abcdefg1 abcdef123 abc12345 abcd1234 1234abcd
	a1b2c3d4 a1234567 a12345678 aa123456 aa12345678 1234567a 12345678a 123456789a 123456789q q1234567
	1234567q aaaaaaaa qqqqqqqq zzzzzzzz asdf;lkj admin123 admin1234 admin@123 adminadmin administrator
	root1234 toor1234 test1234 test12345 testtest testing123 guest123 user1234 login123 hello123 hellohello
	helloworld hello1234 google123 facebook facebook1 linkedin myspace1 yahoo123 hotmail1 gmail123 computer
	computer1 internet internet1 samsung1 samsung123 nokia123 iphone123 minecraft minecraft1 pokemon1
	pokemon123 naruto123 starwars starwars1 superman superman1 batman123 spiderman spiderman1 whatever
	whatever1 trustno1 blahblah sunshine sunshine1 princess princess1 football football1 football12 baseball
	baseball1 basketball basketball1 soccer123 hockey123 dragon12 dragon123 master12 master123 monkey12
	monkey123 shadow12 shadow123 charlie1 charlie123 freedom1 killer12 hunter12 jordan23 michael1 michael123
	jennifer michelle samantha jessica1 ashley123 nicole123 daniel123 jasmine1 anthony1 alexander victoria
	patricia danielle fernando cheyenne christian jesus123 jesuschrist blessed1 mustang1 harley123 matrix123
	corvette mercedes maverick cocacola liverpool chelsea1 arsenal1 manchester barcelona juventus realmadrid
	cristiano metallica slipknot marlboro butterfly chocolate elephant precious beautiful midnight scorpion
	dolphins november december september mountain rainbow1 peaches1 snowball tinkerbell spongebob cowboys1
	steelers yankees1 redskins packers1 blink182 pakistan pakistan123 india123 india@123 bangladesh
	qwertyuiop123 iloveyou123 princess123 sunshine123 summer2020 summer2021 summer2022 summer2023 summer2024
	summer2025 winter2020 winter2021 winter2022 winter2023 winter2024 winter2025 spring2024 spring2025
	autumn2024 password2020 password2021 password2022 password2023 password2024 password2025 welcome2024
	welcome2025 january1 february doctor123 doctor1234 medicine hospital patient1 patient123 nurse123
	clinic123 health123 docslot123 appointment booking123 mydoctor qwerty11 qwerty01 qwerty00 qwert123
	asdfgh12 asdfgh123 zxcvbn12 zxcvbn123 1qa2ws3ed 1q2w3e4r5 11112222 11113333 12131415 20202020 19871987
	19901990 19911991 19921992 19931993 19941994 19951995 20002000 20102010 01011990 01012000 12345qwert
	qwert12345 password99 computer123 lovers123 forever1 friends1 football123 baseball123 australia caroline
	elizabeth margaret jonathan benjamin nicholas christopher william1 thomas123 robert123 justin123
	andrew123 matthew1 joshua123 charlotte stephanie superstar rockstar1 gangster lollipop cookie123
	cheese123 banana123 orange123 apple123 pineapple strawberry blueberry sandiego newyork1 california
	zxcasdqwe qazxswedc poiuytrewq mnbvcxz1 lkjhgfdsa 0okm9ijn 1234567890q
`;

const COMMON = new Set(LIST.split(/\s+/).filter((word) => word !== ""));

/** Whether `password` is on the list, ignoring case ("Password1" is as guessable as "password1"). */
export function isCommonPassword(password: string): boolean {
	return COMMON.has(password.toLowerCase());
}
